package dynamo_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/easytocloud/easytocloud/tenants"
)

// TestAlexaLinks: the first touch of an Alexa account is new, later ones are not;
// the last use moves at most once per AlexaLinkUseInterval; a second account is new
// and both are listed, by the hash of their userId only.
func TestAlexaLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := fixedNow
	e.store.Now = func() time.Time { return now }
	const kitchen, office = "amzn1.ask.account.KITCHEN", "amzn1.ask.account.OFFICE"
	touch := func(alexa string, want bool) {
		t.Helper()
		isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", alexa, "")
		if err != nil || isNew != want {
			t.Fatalf("TouchAlexaLink(%s) at %v = %v, %v; want %v", alexa, now, isNew, err, want)
		}
	}
	touch(kitchen, true)
	linked := now
	now = now.Add(59 * time.Minute)
	touch(kitchen, false)
	now = now.Add(2 * time.Minute)
	touch(kitchen, false) // moves the last use
	used := now
	now = now.Add(time.Minute)
	touch(kitchen, false)
	touch(office, true)
	if isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-2", kitchen, ""); err != nil || !isNew {
		t.Errorf("the same Alexa account for another user = %v, %v; want new", isNew, err)
	}

	links, err := e.store.AlexaLinks(ctx, "t-1", "u-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []tenants.AlexaLink{
		{ID: tenants.AlexaLinkID(kitchen), LinkedAt: linked, LastUsedAt: used},
		{ID: tenants.AlexaLinkID(office), LinkedAt: now, LastUsedAt: now},
	}
	if diff := cmp.Diff(want, links); diff != "" {
		t.Errorf("AlexaLinks (-want +got):\n%s", diff)
	}
	if len(links[0].ID) != 64 || strings.Trim(links[0].ID, "0123456789abcdef") != "" {
		t.Errorf("link ID %q is not a hex SHA-256", links[0].ID)
	}
	out, err := e.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	if dump := fmtAll(t, out.Items); strings.Contains(dump, "KITCHEN") || strings.Contains(dump, "OFFICE") {
		t.Errorf("the table holds an Alexa userId: %s", dump)
	}
	if links, err := e.store.AlexaLinks(ctx, "t-1", "nobody"); err != nil || len(links) != 0 {
		t.Errorf("AlexaLinks of a user without any = %v, %v", links, err)
	}
	if _, err := e.store.TouchAlexaLink(ctx, "t-1", "u#1", kitchen, ""); err == nil {
		t.Error("TouchAlexaLink accepted a user ID with the keys' separator")
	}
}

// TestAlexaLinkNewOnce: concurrent first requests from one Alexa account report it
// new exactly once, so the user is told once.
func TestAlexaLinkNewOnce(t *testing.T) {
	e := newEnv(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		news int
	)
	for range 8 {
		wg.Go(func() {
			isNew, err := e.store.TouchAlexaLink(context.Background(), "t-1", "u-1", "amzn1.ask.account.SAME", "")
			if err != nil {
				t.Error(err)
			}
			if isNew {
				mu.Lock()
				news++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if news != 1 {
		t.Errorf("%d of 8 concurrent touches reported a new Alexa account, want 1", news)
	}
}

// TestAlexaLinkGrant: the link records the grant of the token the Alexa account last
// spoke with; a new grant is written at once, within the hour; a token without a
// grant leaves the recorded one as it is.
func TestAlexaLinkGrant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := fixedNow
	e.store.Now = func() time.Time { return now }
	const kitchen = "amzn1.ask.account.KITCHEN"
	grantOf := func() string {
		t.Helper()
		links, err := e.store.AlexaLinks(ctx, "t-1", "u-1")
		if err != nil || len(links) != 1 {
			t.Fatalf("AlexaLinks = %+v, %v", links, err)
		}
		return links[0].GrantID
	}
	if isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", kitchen, "g-1"); err != nil || !isNew {
		t.Fatalf("first touch = %v, %v", isNew, err)
	}
	if got := grantOf(); got != "g-1" {
		t.Errorf("grant %q, want g-1", got)
	}
	now = now.Add(time.Minute)
	if isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", kitchen, "g-2"); err != nil || isNew {
		t.Fatalf("touch with a new grant = %v, %v; want not new", isNew, err)
	}
	if got := grantOf(); got != "g-2" {
		t.Errorf("after linking again within the hour: grant %q, want g-2", got)
	}
	now = now.Add(2 * time.Hour)
	if _, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", kitchen, ""); err != nil {
		t.Fatal(err)
	}
	if got := grantOf(); got != "g-2" {
		t.Errorf("a token without a grant changed it to %q", got)
	}
}

// TestDeleteAlexaLink: the link goes, the user's others stay; an unknown one, or one
// of another user, is ErrNotFound.
func TestDeleteAlexaLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const kitchen, office = "amzn1.ask.account.KITCHEN", "amzn1.ask.account.OFFICE"
	for _, a := range []string{kitchen, office} {
		if _, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", a, "g-"+a); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string][3]string{
		"Unknown":       {"t-1", "u-1", tenants.AlexaLinkID("amzn1.ask.account.NONE")},
		"AnotherUsers":  {"t-1", "u-2", tenants.AlexaLinkID(kitchen)},
		"Empty":         {"t-1", "u-1", ""},
		"MalformedUser": {"t-1", "u#1", tenants.AlexaLinkID(kitchen)},
	} {
		if err := e.store.DeleteAlexaLink(ctx, tc[0], tc[1], tc[2]); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("%s: DeleteAlexaLink = %v, want ErrNotFound", name, err)
		}
	}
	if err := e.store.DeleteAlexaLink(ctx, "t-1", "u-1", tenants.AlexaLinkID(kitchen)); err != nil {
		t.Fatal(err)
	}
	links, err := e.store.AlexaLinks(ctx, "t-1", "u-1")
	if err != nil || len(links) != 1 || links[0].ID != tenants.AlexaLinkID(office) {
		t.Errorf("after deleting the kitchen's: %+v, %v; want the office's only", links, err)
	}
	if err := e.store.DeleteAlexaLink(ctx, "t-1", "u-1", tenants.AlexaLinkID(kitchen)); !errors.Is(err, tenants.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
	// Linked again from the same Alexa account, it is new again.
	if isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", kitchen, "g-3"); err != nil || !isNew {
		t.Errorf("touch after the delete = %v, %v; want new", isNew, err)
	}
}
