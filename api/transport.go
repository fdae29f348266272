package api

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// KeyHeader is the only place the API key is ever put.
const KeyHeader = "X-API-Key"

// ParseBaseURL checks a base URL: https, or http only for a loopback host
// (the simulator and tests). Anything else would send the key in clear.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("API URL %q: %v", raw, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("API URL %q has no host: use a URL such as https://cloud-api.v2.senquip.com", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("API URL must not carry a user or password")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("API URL %q: refusing plain http:// to a non-loopback host; the key would travel unencrypted. Use https://", raw)
		}
	default:
		return nil, fmt.Errorf("API URL %q: scheme must be https", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// keyTransport adds the key to requests for the configured scheme and host
// and to nothing else, whatever the redirect policy lets through.
type keyTransport struct {
	next   http.RoundTripper
	scheme string
	host   string
	key    string
}

func (t *keyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if req.URL.Scheme == t.scheme && strings.EqualFold(req.URL.Host, t.host) {
		r.Header.Set(KeyHeader, t.key)
	} else {
		r.Header.Del(KeyHeader)
	}
	return t.next.RoundTrip(r)
}

// redirectPolicy follows redirects only within the configured scheme and
// host: Go's client would otherwise forward custom headers across hosts.
// A write's redirect is never followed: Go's client would send a GET (301,
// 302, 303) or the write again elsewhere (307, 308), neither of them the
// request confirmed. Its 3xx is the write's answer: refused.
func redirectPolicy(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && via[0].Method != http.MethodGet && via[0].Method != http.MethodHead {
			return http.ErrUseLastResponse
		}
		if len(via) >= 5 {
			return &RedirectError{To: req.URL.Scheme + "://" + req.URL.Host, Host: base.Host, Loop: true}
		}
		if req.URL.Scheme != base.Scheme || !strings.EqualFold(req.URL.Host, base.Host) {
			return &RedirectError{To: req.URL.Scheme + "://" + req.URL.Host, Host: base.Host}
		}
		return nil
	}
}

// RedirectError is a redirect we refused to follow: never retried, since
// the server will send us the same way again. Loop is a server that
// redirected five times within its own host: the same on every try.
type RedirectError struct {
	To, Host string
	Loop     bool
}

func (e *RedirectError) Error() string {
	if e.Loop {
		return fmt.Sprintf("stopped after 5 redirects within %s: the server redirects in a loop", e.Host)
	}
	return fmt.Sprintf("redirect to %s refused: the API key is only sent to %s", e.To, e.Host)
}

func newHTTPClient(base *url.URL, key string, roots *x509.CertPool, o Options) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Verification stays on; tests supply their own roots instead.
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 8
	return &http.Client{
		Transport:     &keyTransport{next: tr, scheme: base.Scheme, host: base.Host, key: key},
		CheckRedirect: redirectPolicy(base),
		Timeout:       o.Timeout,
	}
}
