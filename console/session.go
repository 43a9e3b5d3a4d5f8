package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/internal/webui"
	"github.com/easytocloud/easytocloud/tenants"
)

// Session lifetimes.
const (
	// SessionIdle ends a session this long after its last request.
	SessionIdle = 30 * time.Minute
	// SessionMax ends a session this long after sign-in, however busy.
	SessionMax = 12 * time.Hour
	// ReauthWindow is how long a confirmed password lets a person change a role, the
	// MFA policy or a phone.
	ReauthWindow = 5 * time.Minute
	// seenEvery is how stale the recorded last request may grow before a request
	// writes it again (one write a minute at most, not one per page).
	seenEvery = time.Minute
)

const sessionPKPrefix = "CONSOLESESSION#"

// sessionItem is a signed-in session: pk CONSOLESESSION#<tenant>#<user>, sk the keyed
// hash of the cookie's secret (the secret itself is never stored).
type sessionItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	TenantID  string `dynamodbav:"tenant_id"`
	UserID    string `dynamodbav:"user_id"`
	CSRF      string `dynamodbav:"csrf"`
	CreatedNS int64  `dynamodbav:"created_ns"`
	SeenNS    int64  `dynamodbav:"seen_ns"`
	ReauthNS  int64  `dynamodbav:"reauth_ns"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

func sessionPK(tenantID, userID string) string {
	return sessionPKPrefix + tenantID + "#" + userID
}

// Session is a signed-in person's session as a handler sees it.
type Session struct {
	TenantID, UserID string
	// CSRF is the token every form of the session posts back.
	CSRF    string
	Created time.Time
	Reauth  time.Time
	hash    string
}

// visit is what a signed-in handler gets: the session, the person, their organisation.
type visit struct {
	Session Session
	User    tenants.User
	Tenant  tenants.Tenant
}

type visitKey struct{}

// visitOf returns the visit signedIn stored in r's context, or nil.
func visitOf(r *http.Request) *visit {
	v, _ := r.Context().Value(visitKey{}).(*visit)
	return v
}

// Who may open a signed-in page.
const (
	member = tenants.RoleMember
	admin  = tenants.RoleAdmin
)

func (s *Server) sessionCookieName() string {
	if s.secure {
		return "__Host-easytocloud-session"
	}
	return "easytocloud-session"
}

func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: s.sessionCookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}

// startSession signs u in: it stores a new session and sets its cookie on w. Any
// session the browser had is ended first.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u tenants.User) error {
	ctx := r.Context()
	if old, ok := s.cookieSession(r); ok {
		s.deleteSession(ctx, old)
	}
	secret := webui.RandomToken()
	hash, err := s.sum(ctx, labelSession, secret)
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	now := s.now()
	it := sessionItem{
		PK: sessionPK(u.TenantID, u.ID), SK: hash, TenantID: u.TenantID, UserID: u.ID,
		CSRF: webui.RandomToken(), CreatedNS: now.UnixNano(), SeenNS: now.UnixNano(),
		ReauthNS: now.UnixNano(), ExpiresAt: now.Add(SessionMax).Unix(),
	}
	if _, err := s.cfg.Table.Put(ctx, &dynamodb.PutItemInput{Item: table.Marshal(it)}); err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	http.SetCookie(w, s.sessionCookie(u.TenantID+"."+u.ID+"."+secret, int(SessionMax/time.Second)))
	return nil
}

// cookieRef is a session cookie's parts.
type cookieRef struct{ tenantID, userID, secret string }

func (s *Server) cookieSession(r *http.Request) (cookieRef, bool) {
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return cookieRef{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || !tenants.ValidID(parts[0]) || !tenants.ValidID(parts[1]) || len(parts[2]) != 43 {
		return cookieRef{}, false
	}
	return cookieRef{parts[0], parts[1], parts[2]}, true
}

// errNoSession means the request has no live session.
var errNoSession = errors.New("no session")

// loadSession returns the live session of r's cookie, recording the request as its
// latest, or errNoSession (no cookie, unknown, idle too long, too old).
func (s *Server) loadSession(ctx context.Context, r *http.Request) (Session, error) {
	ref, ok := s.cookieSession(r)
	if !ok {
		return Session{}, errNoSession
	}
	hash, err := s.sum(ctx, labelSession, ref.secret)
	if err != nil {
		return Session{}, err
	}
	var it sessionItem
	err = s.cfg.Table.Get(ctx, table.Key(sessionPK(ref.tenantID, ref.userID), hash), &it)
	if errors.Is(err, table.ErrNoItem) {
		return Session{}, errNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	now := s.now()
	seen := time.Unix(0, it.SeenNS)
	if table.Expired(it.ExpiresAt, now) || now.Sub(seen) >= SessionIdle {
		return Session{}, errNoSession
	}
	if now.Sub(seen) >= seenEvery {
		// Only while the session is still live: a sign-out meanwhile wins.
		_, err := s.cfg.Table.Update(ctx, &dynamodb.UpdateItemInput{
			Key:                       table.Key(it.PK, it.SK),
			UpdateExpression:          aws.String("SET seen_ns = :now"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": table.N(now.UnixNano())},
		})
		if table.ConditionFailed(err) {
			return Session{}, errNoSession
		}
		if err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return Session{TenantID: it.TenantID, UserID: it.UserID, CSRF: it.CSRF,
		Created: time.Unix(0, it.CreatedNS), Reauth: time.Unix(0, it.ReauthNS), hash: hash}, nil
}

func (s *Server) deleteSession(ctx context.Context, ref cookieRef) {
	hash, err := s.sum(ctx, labelSession, ref.secret)
	if err != nil {
		return
	}
	if _, err := s.cfg.Table.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key(sessionPK(ref.tenantID, ref.userID), hash)}); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "delete session", slog.String("detail", err.Error()))
	}
}

// endSessions ends every session of the user but the one whose hash is except ("" for
// none): after a password change or reset, or when the user is removed.
func (s *Server) endSessions(ctx context.Context, tenantID, userID, except string) error {
	items, err := s.cfg.Table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(sessionPK(tenantID, userID))},
		ProjectionExpression:      aws.String("pk, sk"),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("end sessions of %s: %w", userID, err)
	}
	for _, key := range items {
		var k struct {
			PK string `dynamodbav:"pk"`
			SK string `dynamodbav:"sk"`
		}
		if err := attributevalue.UnmarshalMap(key, &k); err != nil || k.SK == except {
			continue
		}
		if _, err := s.cfg.Table.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key(k.PK, k.SK)}); err != nil {
			return fmt.Errorf("end sessions of %s: %w", userID, err)
		}
	}
	return nil
}

// confirmPassword records that the session's person typed their password just now.
func (s *Server) confirmPassword(ctx context.Context, sess Session) error {
	_, err := s.cfg.Table.Update(ctx, &dynamodb.UpdateItemInput{
		Key:                       table.Key(sessionPK(sess.TenantID, sess.UserID), sess.hash),
		UpdateExpression:          aws.String("SET reauth_ns = :now"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": table.N(s.now().UnixNano())},
	})
	if err != nil {
		return fmt.Errorf("record re-authentication: %w", err)
	}
	return nil
}

// reauthed reports whether the person confirmed their password within ReauthWindow.
func (s *Server) reauthed(v *visit) bool { return s.now().Sub(v.Session.Reauth) < ReauthWindow }

// needReauth sends the browser to the password confirmation, which comes back to
// next (a console path such as "/settings") afterwards.
func (s *Server) needReauth(w http.ResponseWriter, r *http.Request, next string) {
	http.Redirect(w, r, s.path("/reauth")+"?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// signedIn wraps h for a page that needs a session of someone with at least role:
// without one the browser goes to the sign-in page (GET) or gets a page saying the
// session ended (POST, nothing done); a POST whose csrf_token is not the session's
// is refused; a member opening an admin page gets 403. A suspended tenant's people
// see their pages but every POST but sign-out is refused.
func (s *Server) signedIn(role tenants.Role, h func(http.ResponseWriter, *http.Request, *visit)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.formUnreadable(w, r)
				return
			}
		}
		sess, err := s.loadSession(ctx, r)
		if errors.Is(err, errNoSession) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, s.path("/signin")+"?next="+url.QueryEscape(strings.TrimPrefix(r.URL.Path, s.basePath)), http.StatusSeeOther)
				return
			}
			s.message(w, r, http.StatusForbidden, "Your session has ended", "You were signed out (after 30 minutes without activity, or 12 hours after signing in). Sign in again; nothing was changed.")
			return
		}
		if err != nil {
			s.failed(w, r, "session", err)
			return
		}
		v := &visit{Session: sess}
		var wg sync.WaitGroup
		var uerr, terr error
		wg.Add(2)
		go func() { defer wg.Done(); v.User, uerr = s.cfg.Store.GetUser(ctx, sess.TenantID, sess.UserID) }()
		go func() { defer wg.Done(); v.Tenant, terr = s.cfg.Store.GetTenant(ctx, sess.TenantID) }()
		wg.Wait()
		if errors.Is(uerr, tenants.ErrNotFound) || errors.Is(terr, tenants.ErrNotFound) {
			// The person was removed: their sessions went with them.
			http.SetCookie(w, s.sessionCookie("", -1))
			s.message(w, r, http.StatusForbidden, "Your session has ended", "Your easytocloud account no longer exists. Ask an admin of your organisation if you think this is wrong.")
			return
		}
		if err := errors.Join(uerr, terr); err != nil {
			s.failed(w, r, "session", err)
			return
		}
		r = r.WithContext(context.WithValue(ctx, visitKey{}, v))
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf_token")), []byte(sess.CSRF)) != 1 {
			s.log.LogAttrs(ctx, slog.LevelWarn, "form refused: bad CSRF token", slog.String("path", r.URL.Path),
				slog.String("tenant", sess.TenantID), slog.String("user", sess.UserID))
			s.formExpired(w, r)
			return
		}
		if role == admin && !v.User.IsAdmin() {
			s.message(w, r, http.StatusForbidden, "Only admins can open this page", "Ask an admin of your organisation.")
			return
		}
		if r.Method == http.MethodPost && v.Tenant.Suspended && r.URL.Path != s.path("/signout") {
			s.message(w, r, http.StatusForbidden, "This organisation is suspended", "Nothing can be changed until the easytocloud operator resumes it.")
			return
		}
		h(w, r, v)
	})
}

// maxFormBytes bounds a form's body.
const maxFormBytes = 64 << 10

// safeNext returns next when it is a path of the console's own ("/settings"), else
// "/": the sign-in and re-authentication pages never send the browser elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n") {
		return "/"
	}
	for _, p := range Routes {
		method, pattern, _ := strings.Cut(p, " ")
		if method == "GET" && strings.TrimPrefix(pattern, "/console") == next {
			return next
		}
	}
	return "/"
}
