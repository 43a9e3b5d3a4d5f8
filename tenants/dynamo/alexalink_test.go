package dynamo_test

import (
	"context"
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
		isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-1", alexa)
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
	if isNew, err := e.store.TouchAlexaLink(ctx, "t-1", "u-2", kitchen); err != nil || !isNew {
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
	if _, err := e.store.TouchAlexaLink(ctx, "t-1", "u#1", kitchen); err == nil {
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
			isNew, err := e.store.TouchAlexaLink(context.Background(), "t-1", "u-1", "amzn1.ask.account.SAME")
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
