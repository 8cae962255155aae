package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// enableEmbed generates the default tenant's embed secret and enables
// embed authentication for the bench scope; it returns the secret.
func enableEmbed(ctx context.Context, e *env) (string, error) {
	const path = "/api/v1/entities/embedSettings"
	// The secret first: the server refuses to enable embed without one.
	var out struct {
		Data struct {
			Attributes struct{ EmbedSecret string }
		}
	}
	if err := e.admin(ctx, http.MethodPost, path+"/secret", nil, 0, &out); err != nil {
		return "", err
	}
	err := e.admin(ctx, http.MethodPatch, path, resource("embedSettings", "",
		map[string]any{"enabled": true, "scopes": []string{benchScope}}), 0, nil)
	return out.Data.Attributes.EmbedSecret, err
}

// prepEmbedSecret sends the plain form (the secret in the body) for the
// bench user.
func prepEmbedSecret(ctx context.Context, e *env, _ int, _ time.Duration, _ float64) (func(int) load.Step, error) {
	secret, err := enableEmbed(ctx, e)
	if err != nil {
		return nil, err
	}
	body := url.Values{"grant_type": {"embed_secret"}, "username": {benchUser}, "embed_secret": {secret}}.Encode()
	return post(e.base+"/default/oauth2/token", load.FormHeader("", ""), body), nil
}

// prepEmbedSigned sends the signed embed form: every request carries its
// own nonce, so the server's nonce redemption (a database write) is on the
// path. Bodies are signed before the clock starts, one per expected request
// as in prepRevoke.
func prepEmbedSigned(ctx context.Context, e *env, workers int, budget time.Duration, hint float64) (func(int) load.Step, error) {
	secret, err := enableEmbed(ctx, e)
	if err != nil {
		return nil, err
	}
	n := poolSize(hint, budget, workers)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	bodies := make([][]byte, n)
	for i := range bodies {
		nonce := rand.Text()
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(strings.ToLower("embed_nonce=" + nonce + "&user_email=" + benchUser + "&timestamp=" + ts)))
		bodies[i] = []byte(url.Values{"grant_type": {"embed_secret"}, "username": {benchUser}, "embed_nonce": {nonce},
			"timestamp": {ts}, "embed_signature": {base64.StdEncoding.EncodeToString(mac.Sum(nil))}}.Encode())
	}
	return oneUseBodies(bodies, workers, e.base+"/default/oauth2/token", load.FormHeader("", "")), nil
}
