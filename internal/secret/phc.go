package secret

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Sizes of what Hash produces.
const (
	saltLen = 16
	keyLen  = 32
)

// limits bound the cost a stored hash may ask for, so a corrupt or hostile
// PHC string cannot make Verify allocate gigabytes or spin for minutes.
type limits struct {
	maxMemory  uint32 // KiB
	maxTime    uint32
	maxThreads uint8
}

var defaultLimits = limits{maxMemory: 256 * 1024, maxTime: 16, maxThreads: 16}

// phc is a parsed argon2id PHC string:
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<hash>
// with salt and hash in standard base64 without padding
// (https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md).
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

func encodePHC(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC parses an argon2id PHC string. Every failure wraps
// ErrMalformedHash and never echoes the hash itself (it may end up in logs).
func parsePHC(s string, lim limits) (*phc, error) {
	// ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, fmt.Errorf("%w: not a PHC string", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return nil, fmt.Errorf("%w: unsupported algorithm", ErrMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("%w: unsupported argon2 version", ErrMalformedHash)
	}
	p, err := parseParams(parts[3])
	if err != nil {
		return nil, err
	}
	if p.Time < 1 || p.Time > lim.maxTime ||
		p.Threads < 1 || p.Threads > lim.maxThreads ||
		// argon2 needs at least 8 KiB per lane.
		p.Memory < 8*uint32(p.Threads) || p.Memory > lim.maxMemory {
		return nil, fmt.Errorf("%w: parameters out of range", ErrMalformedHash)
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return nil, fmt.Errorf("%w: bad hash", ErrMalformedHash)
	}
	return &phc{params: p, salt: salt, key: key}, nil
}

// parseParams parses "m=..,t=..,p=.." in exactly that order, as every
// argon2 implementation writes it.
func parseParams(s string) (Params, error) {
	var p Params
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return p, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return p, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
		}
		vals[i] = n
	}
	if vals[2] > 255 {
		return p, fmt.Errorf("%w: bad parameters", ErrMalformedHash)
	}
	return Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}, nil
}
