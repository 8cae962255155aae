package adminclient

// APIs is the collection of gateway APIs.
const APIs = "apis"

func init() {
	resourceTypes[APIs] = "api"
	Columns[APIs] = []string{"id", "context", "upstream", "resources"}
}
