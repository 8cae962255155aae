package jsonapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// MaxPageSize bounds page[size].
const MaxPageSize = 500

// ParsePage reads the cursor-paging parameters page[size] and page[after].
func ParsePage(r *http.Request) (domain.Page, error) {
	q := r.URL.Query()
	p := domain.Page{After: q.Get("page[after]")}
	if s := q.Get("page[size]"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, BadParameter("page[size]", "page[size] must be an integer from 1 to %d", MaxPageSize)
		}
		p.Limit = n
	}
	return p, nil
}

// NextLink is the link to the page after cursor, keeping the page size of
// r; "" when there is no next page.
func NextLink(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := url.Values{}
	if s := r.URL.Query().Get("page[size]"); s != "" {
		q.Set("page[size]", s)
	}
	q.Set("page[after]", cursor)
	return r.URL.EscapedPath() + "?" + q.Encode()
}
