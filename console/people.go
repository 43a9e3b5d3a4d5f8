package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
)

// InviteLifetime is how long an invitation's link can be used.
const InviteLifetime = 72 * time.Hour

// auditShown is how many of the organisation's latest admin actions the people page
// lists.
const auditShown = 20

// pendingItem lists an unused invitation on its organisation's people page: pk
// INVITE#TENANT#<tenant>, sk PENDING#<normalised address> (a newer invitation of the
// same address replaces it). LinkPK is its link's linkRef, so that the newer one
// can retire the older link. It expires with its link.
type pendingItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Email     string `dynamodbav:"email"`
	Role      string `dynamodbav:"role"`
	InvitedBy string `dynamodbav:"invited_by"`
	LinkPK    string `dynamodbav:"link_pk"`
	CreatedNS int64  `dynamodbav:"created_ns"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// Link keys are INVITE# and a base64url hash, which never holds a "#": these never
// meet one.
func pendingPK(tenantID string) string { return string(linkInvite) + "TENANT#" + tenantID }
func pendingSK(email string) string    { return "PENDING#" + tenants.NormalEmail(email) }

// dropPending is the write that takes the address's invitation off the list, for
// the transaction that creates the user.
func (s *Server) dropPending(tenantID, email string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{Key: table.Key(pendingPK(tenantID), pendingSK(email))}}
}

// personRow is one person on the people page.
type personRow struct {
	ID, Email, Phone, Added string
	Role                    tenants.Role
	You                     bool
}

// pendingRow is one unused invitation.
type pendingRow struct {
	Email, InvitedBy, Expires string
	Role                      tenants.Role
}

// auditRow is one admin action, in words.
type auditRow struct{ At, Actor, What string }

type peoplePage struct {
	People  []personRow
	Pending []pendingRow
	Audit   []auditRow
	Roles   []tenants.Role
}

// handlePeople lists the organisation's people, its pending invitations and its
// latest admin actions (GET /people).
func (s *Server) handlePeople(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showPeople(w, r, v, http.StatusOK, &Form{Values: map[string]string{"role": string(tenants.RoleMember)}})
}

func (s *Server) showPeople(w http.ResponseWriter, r *http.Request, v *visit, status int, f *Form) {
	ctx := r.Context()
	var (
		wg               sync.WaitGroup
		users            []tenants.User
		pending          []pendingItem
		lines            []AuditLine
		uerr, perr, aerr error
	)
	wg.Add(3)
	go func() { defer wg.Done(); users, uerr = s.cfg.Store.ListUsers(ctx, v.Tenant.ID) }()
	go func() { defer wg.Done(); pending, perr = s.pendingInvitations(ctx, v.Tenant.ID) }()
	go func() { defer wg.Done(); lines, aerr = s.auditLines(ctx, v.Tenant.ID, auditShown) }()
	wg.Wait()
	if err := errors.Join(uerr, perr, aerr); err != nil {
		s.failed(w, r, "people", err)
		return
	}
	slices.SortFunc(users, func(a, b tenants.User) int {
		return strings.Compare(tenants.NormalEmail(a.Email), tenants.NormalEmail(b.Email))
	})
	data := peoplePage{Roles: []tenants.Role{tenants.RoleMember, tenants.RoleAdmin}}
	for _, u := range users {
		data.People = append(data.People, personRow{ID: u.ID, Email: u.Email, Phone: phoneText(u.Phone),
			Added: day(u.CreatedAt), Role: roleOf(u), You: u.ID == v.User.ID})
	}
	for _, p := range pending {
		data.Pending = append(data.Pending, pendingRow{Email: p.Email, InvitedBy: p.InvitedBy,
			Expires: minute(time.Unix(p.ExpiresAt, 0)), Role: tenants.Role(p.Role)})
	}
	for _, l := range lines {
		data.Audit = append(data.Audit, auditRow{At: minute(l.At), Actor: l.Actor, What: auditWords(l)})
	}
	s.render(w, r, status, "people", Page{Title: "People", Form: f, Data: data})
}

// pendingInvitations returns the organisation's unused invitations, oldest first.
func (s *Server) pendingInvitations(ctx context.Context, tenantID string) ([]pendingItem, error) {
	items, err := s.cfg.Table.QueryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": table.S(pendingPK(tenantID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("pending invitations: %w", err)
	}
	var its []pendingItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("pending invitations: %w", err)
	}
	now := s.now()
	its = slices.DeleteFunc(its, func(p pendingItem) bool { return table.Expired(p.ExpiresAt, now) })
	slices.SortFunc(its, func(a, b pendingItem) int { return cmp.Compare(a.CreatedNS, b.CreatedNS) })
	return its, nil
}

// handleInvite sends an invitation (POST /people/invite): an e-mailed single-use
// link, valid for InviteLifetime, to an address that has no account yet.
func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	f := newForm(r, "email", "role")
	email, role := f.Get("email"), tenants.Role(f.Get("role"))
	switch {
	case email == "":
		f.Fail("email", "Enter the email address of the person to invite")
	case tenants.ValidateUser(tenants.User{TenantID: v.Tenant.ID, Email: email}) != nil:
		f.Fail("email", "Enter an email address in the correct format, like name@example.com")
	}
	if !tenants.ValidRole(role) {
		f.Fail("role", "Choose member or admin")
	}
	if f.OK() {
		switch _, err := s.cfg.Store.UserByEmail(ctx, email); {
		case err == nil:
			f.Fail("email", email+" already has an easytocloud account")
		case !errors.Is(err, tenants.ErrNotFound):
			s.failed(w, r, "invite", err)
			return
		}
	}
	if !f.OK() {
		s.showPeople(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	slot, err := s.limit(ctx, ruleInviteSource, v.Tenant.ID+"#"+v.User.ID)
	if errors.Is(err, errLimited) {
		f.Fail("email", "You sent many invitations in the last hour; try again later")
		s.showPeople(w, r, v, http.StatusTooManyRequests, f)
		return
	}
	if err != nil {
		s.failed(w, r, "invite", err)
		return
	}
	if err := s.invite(ctx, v.Tenant, v.User, email, role); err != nil {
		s.unlimit(ctx, slot)
		s.failed(w, r, "invite", err)
		return
	}
	if err := s.audit(ctx, v, "invite", email+" as "+string(role)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit invite", slog.String("detail", err.Error()))
	}
	s.redirectDone(w, r, "/people", doneInvited)
}

// invite makes the invitation of email to t as role from the admin by, lists it as
// pending (retiring an earlier invitation of the address), and e-mails its link.
// When the mail cannot be sent, the invitation is withdrawn.
func (s *Server) invite(ctx context.Context, t tenants.Tenant, by tenants.User, email string, role tenants.Role) error {
	var old pendingItem
	err := s.cfg.Table.Get(ctx, table.Key(pendingPK(t.ID), pendingSK(email)), &old)
	if err != nil && !errors.Is(err, table.ErrNoItem) {
		return fmt.Errorf("invite: %w", err)
	}
	token, err := s.newLink(ctx, linkInvite, invitation{TenantID: t.ID, Email: email, Role: role, InvitedBy: by.ID}, InviteLifetime)
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	linkPK, err := s.linkRef(ctx, linkInvite, token)
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	now := s.now()
	it := pendingItem{PK: pendingPK(t.ID), SK: pendingSK(email), Email: email, Role: string(role), InvitedBy: by.Email,
		LinkPK: linkPK, CreatedNS: now.UnixNano(), ExpiresAt: now.Add(InviteLifetime).Unix()}
	if _, err := s.cfg.Table.Put(ctx, &dynamodb.PutItemInput{Item: table.Marshal(it)}); err != nil {
		s.retireInvitation(ctx, linkPK)
		return fmt.Errorf("invite: %w", err)
	}
	if old.LinkPK != "" {
		s.retireInvitation(ctx, old.LinkPK)
	}
	text := fmt.Sprintf("%s invited you to join %s on easytocloud, as %s.\n\n"+
		"To accept, open this link within %d hours (it works once):\n%s\n\n"+
		"You will choose a password and verify your mobile phone number with a code we text to it. "+
		"Then you can link your Alexa account and look after your organisation's AWS account by voice.",
		by.Email, t.Name, roleWords(role), int(InviteLifetime/time.Hour), s.link("/invite", url.Values{"token": {token}}))
	if err := s.sendMail(ctx, email, "Join "+t.Name+" on easytocloud", text); err != nil {
		s.retireInvitation(ctx, linkPK)
		if _, derr := s.cfg.Table.Delete(ctx, &dynamodb.DeleteItemInput{Key: table.Key(pendingPK(t.ID), pendingSK(email)),
			ConditionExpression:       aws.String("link_pk = :l"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":l": table.S(linkPK)}}); derr != nil && !table.ConditionFailed(derr) {
			s.log.LogAttrs(ctx, slog.LevelWarn, "withdraw invitation", slog.String("detail", derr.Error()))
		}
		return fmt.Errorf("invite: %w", err)
	}
	return nil
}

// retireInvitation retires the invitation link linkPK names (a newer invitation of
// the address replaced it, or its mail failed); one already used or expired is
// retired already.
func (s *Server) retireInvitation(ctx context.Context, linkPK string) {
	if err := s.retireLink(ctx, linkInvite, linkPK); err != nil && !errors.Is(err, errLinkGone) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "retire invitation link", slog.String("detail", err.Error()))
	}
}

// target returns the person of the organisation named by the request's {user}, the
// organisation's people, and whether it found them; when not, it has answered.
func (s *Server) target(w http.ResponseWriter, r *http.Request, v *visit) (tenants.User, []tenants.User, bool) {
	users, err := s.cfg.Store.ListUsers(r.Context(), v.Tenant.ID)
	if err != nil {
		s.failed(w, r, "people", err)
		return tenants.User{}, nil, false
	}
	id := r.PathValue("user")
	for _, u := range users {
		if u.ID == id {
			return u, users, true
		}
	}
	s.message(w, r, http.StatusNotFound, "No such person", "That person is not in your organisation (any more). Go back to People and reload the page.")
	return tenants.User{}, nil, false
}

// lastAdmin reports whether u is the only admin among users.
func lastAdmin(u tenants.User, users []tenants.User) bool {
	if !u.IsAdmin() {
		return false
	}
	for _, o := range users {
		if o.IsAdmin() && o.ID != u.ID {
			return false
		}
	}
	return true
}

// handleSetRole makes a person an admin or a member (POST /people/{user}/role). It
// needs a recent password, and the organisation keeps at least one admin.
func (s *Server) handleSetRole(w http.ResponseWriter, r *http.Request, v *visit) {
	if !s.reauthed(v) {
		s.needReauth(w, r, "/people")
		return
	}
	u, users, ok := s.target(w, r, v)
	if !ok {
		return
	}
	field := "role-" + u.ID
	role := tenants.Role(r.PostForm.Get("role"))
	f := &Form{Values: map[string]string{field: string(role), "role": string(tenants.RoleMember)}}
	switch {
	case !tenants.ValidRole(role):
		f.Fail(field, "Choose member or admin for "+u.Email)
	case role != tenants.RoleAdmin && lastAdmin(u, users):
		f.Fail(field, lastAdminText(u, v))
	}
	if !f.OK() {
		s.showPeople(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	if roleOf(u) == role {
		s.redirect(w, r, "/people")
		return
	}
	ctx := r.Context()
	if _, err := s.cfg.Store.UpdateUser(ctx, v.Tenant.ID, u.ID, func(cur *tenants.User) error {
		cur.Role = role
		return nil
	}); err != nil {
		s.failed(w, r, "set role", err)
		return
	}
	if err := s.audit(ctx, v, "role", fmt.Sprintf("%s from %s to %s", u.Email, roleOf(u), role)); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit role", slog.String("detail", err.Error()))
	}
	if u.ID == v.User.ID {
		// A member no longer sees the people page.
		s.redirectDone(w, r, "/account", doneMember)
		return
	}
	s.redirectDone(w, r, "/people", doneRole)
}

func lastAdminText(u tenants.User, v *visit) string {
	if u.ID == v.User.ID {
		return "You are the only admin: make someone else an admin first"
	}
	return u.Email + " is the only admin: make someone else an admin first"
}

// removePage is the data of the confirmation of a removal.
type removePage struct{ ID, Email string }

// handleRemove removes a person (POST /people/{user}/remove), after a confirmation
// page (confirm=yes). Their account goes, and with it at once their console
// sessions, their Alexa links' tokens and their elevations. The last admin stays.
func (s *Server) handleRemove(w http.ResponseWriter, r *http.Request, v *visit) {
	u, users, ok := s.target(w, r, v)
	if !ok {
		return
	}
	if lastAdmin(u, users) {
		f := &Form{Values: map[string]string{"role": string(tenants.RoleMember)}}
		f.Fail("remove-"+u.ID, lastAdminText(u, v))
		s.showPeople(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.render(w, r, http.StatusOK, "remove", Page{Title: "Remove " + u.Email, Data: removePage{ID: u.ID, Email: u.Email}})
		return
	}
	ctx := r.Context()
	if err := s.cfg.Store.DeleteUser(ctx, v.Tenant.ID, u.ID); err != nil && !errors.Is(err, tenants.ErrNotFound) {
		s.failed(w, r, "remove", err)
		return
	}
	// The account is gone, so no new sign-in or link can start; each of these ends
	// what was already running, and all are tried whatever fails.
	p := tenants.Principal{TenantID: v.Tenant.ID, UserID: u.ID}
	err := errors.Join(s.cfg.Tokens.RevokeUser(ctx, p), s.cfg.Elevations.Lock(ctx, v.Tenant.ID, u.ID),
		s.endSessions(ctx, v.Tenant.ID, u.ID, ""))
	if aerr := s.audit(ctx, v, "remove", u.Email); aerr != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit remove", slog.String("detail", aerr.Error()))
	}
	if err != nil {
		s.failed(w, r, "remove", err)
		return
	}
	if u.ID == v.User.ID {
		http.SetCookie(w, s.sessionCookie("", -1))
		r = r.WithContext(context.WithValue(ctx, visitKey{}, (*visit)(nil))) // signed out: no navigation
		s.render(w, r, http.StatusOK, "message", Page{Title: "You left " + v.Tenant.Name,
			Data: "Your easytocloud account is deleted and you are signed out. An admin of " + v.Tenant.Name + " can invite you again."})
		return
	}
	s.redirectDone(w, r, "/people", doneRemoved)
}

// roleOf is u's role, RoleMember for a user stored without one.
func roleOf(u tenants.User) tenants.Role {
	if u.Role == "" {
		return tenants.RoleMember
	}
	return u.Role
}

func roleWords(r tenants.Role) string {
	if r == tenants.RoleAdmin {
		return "an admin"
	}
	return "a member"
}

// auditWords says what an audit line records.
func auditWords(l AuditLine) string {
	verb, ok := map[string]string{
		"invite":   "Invited",
		"join":     "Joined:",
		"role":     "Changed the role of",
		"remove":   "Removed",
		"connect":  "Connected the AWS account",
		"settings": "Changed the settings:",
	}[l.Action]
	if !ok {
		verb = l.Action
	}
	return strings.TrimSpace(verb + " " + l.Detail)
}

// day and minute are how the pages show times: in UTC, "2 Jan 2030" and
// "2 Jan 2030 14:05".
func day(t time.Time) string    { return t.UTC().Format("2 Jan 2006") }
func minute(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") }
