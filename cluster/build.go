package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles cmd/tollgate into dir and returns the binary's path. With
// race it builds with the race detector, as the test binary was, so the
// go build cache already holds the packages.
func Build(dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "tollgate")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/tollgate-dev/tollgate/cmd/tollgate")...)
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}
