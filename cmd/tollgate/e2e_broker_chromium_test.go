package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// sampleLines are the Power BI embedding sample's index.js lines,
// verbatim, wrapped to give the token back to the test.
const sampleLines = `(async () => {
const accessToken = await fetch("/tokens/GetAccessToken");
const response = await accessToken.json();
const token = response.access_token;
return {token: token};
})()`

// TestBrokerSampleInChromium: signed in to the console as a user with the
// provider's role, the sample's lines run in the page get the token.
func TestBrokerSampleInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	brokerCallers(t, e)
	act(t, ctx, chromedp.Navigate(e.base+"/console/"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "john.doe"), chromedp.SendKeys(chromedp.ID("password"), "s3cret-pw"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.ID("user")))
	var got struct{ Token string }
	awaitJS(t, ctx, sampleLines, &got)
	if !strings.HasPrefix(got.Token, "upstream-") {
		t.Fatalf("the sample got %q, want the upstream's token", got.Token)
	}
	browsertest.Settle(t, ctx)
	browsertest.CheckNoProblems(t, ctx)
}
