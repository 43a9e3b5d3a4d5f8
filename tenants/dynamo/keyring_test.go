package dynamo_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/easytocloud/easytocloud/internal/table"
	"github.com/easytocloud/easytocloud/tenants"
	"github.com/easytocloud/easytocloud/tenants/dynamo"
)

// countingKMS passes calls to the emulator's KMS and counts them.
type countingKMS struct {
	dynamo.KMS
	encrypts, decrypts atomic.Int64
}

func (c *countingKMS) Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	c.encrypts.Add(1)
	return c.KMS.Encrypt(ctx, in, opts...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.decrypts.Add(1)
	return c.KMS.Decrypt(ctx, in, opts...)
}

func TestKeyring(t *testing.T) {
	e := newEnv(t)
	db := isolatedDB{e.db, new(sync.Mutex)} // moto's conditional put is not atomic
	// Ten processes start at once, each with its own Keyring, each asked by ten
	// callers: they all end up with the one key stored first.
	const procs, callers = 10, 10
	counters := make([]*countingKMS, procs)
	keys := make([][]byte, procs*callers)
	var wg sync.WaitGroup
	for p := range procs {
		counters[p] = &countingKMS{KMS: e.kms}
		ring := dynamo.NewKeyring(table.New(db, e.table), counters[p], e.key)
		for c := range callers {
			wg.Go(func() {
				k, err := ring.Key(ctx(t), "oauth-token")
				if err != nil {
					t.Error(err)
				}
				keys[p*callers+c] = k
			})
		}
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("key %d = %x, want the same 32 bytes as key 0 (%x)", i, k, keys[0])
		}
	}
	for p, c := range counters {
		if n := c.encrypts.Load() + c.decrypts.Load(); n > 2 {
			t.Errorf("process %d made %d KMS calls for one purpose; want at most 2 (encrypt, then decrypt the winner's)", p, n)
		}
	}
	if n := countItems(t, e, "KEY#oauth-token"); n != 1 {
		t.Errorf("%d key items stored, want 1", n)
	}

	// A new process reads the same key; another purpose has another.
	fresh := dynamo.NewKeyring(table.New(e.db, e.table), e.kms, e.key)
	if k, err := fresh.Key(ctx(t), "oauth-token"); err != nil || !bytes.Equal(k, keys[0]) {
		t.Errorf("a new Keyring got %x, %v; want the stored key", k, err)
	}
	other, err := fresh.Key(ctx(t), "mfa-otp")
	if err != nil || len(other) != 32 || bytes.Equal(other, keys[0]) {
		t.Errorf("mfa-otp key %x, %v; want 32 bytes, not the oauth-token key", other, err)
	}
	// The caller may not change the cached key.
	clear(other)
	if again, _ := fresh.Key(ctx(t), "mfa-otp"); bytes.Equal(again, other) {
		t.Error("changing a returned key changed the cached key")
	}

	raw := rawItem(t, e, "KEY#oauth-token", "#KEY")
	if bytes.Contains(itemBytes(raw), keys[0]) {
		t.Error("the stored key item holds the plaintext key")
	}
	if _, ok := raw["expires_at"]; ok {
		t.Error("key items must not expire")
	}
}

func TestKeyringPurposeContext(t *testing.T) {
	e := newEnv(t)
	ring := dynamo.NewKeyring(table.New(e.db, e.table), e.kms, e.key)
	if _, err := ring.Key(ctx(t), "oauth-token"); err != nil {
		t.Fatal(err)
	}
	raw := rawItem(t, e, "KEY#oauth-token", "#KEY")
	// Move the ciphertext under another purpose: it must not decrypt there.
	putRaw(t, e, "KEY#mfa-otp", raw)
	if k, err := dynamo.NewKeyring(table.New(e.db, e.table), e.kms, e.key).Key(ctx(t), "mfa-otp"); err == nil {
		t.Errorf("a key sealed for oauth-token opened as mfa-otp: %x", k)
	}
}

func TestKeyringInvalidPurpose(t *testing.T) {
	e := newEnv(t)
	ring := dynamo.NewKeyring(table.New(e.db, e.table), e.kms, e.key)
	for _, p := range []string{"", "OAuth", "a#b", "-x", "with space"} {
		if _, err := ring.Key(ctx(t), p); !errors.Is(err, tenants.ErrInvalid) {
			t.Errorf("Key(%q) = %v, want ErrInvalid", p, err)
		}
	}
	if n := len(scan(t, e)); n != 0 {
		t.Errorf("invalid purposes wrote %d items", n)
	}
}

// heldDB holds every GetItem until release is closed, as a slow table would.
type heldDB struct {
	table.DB
	release chan struct{}
}

func (h heldDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	<-h.release
	return h.DB.GetItem(ctx, in, opts...)
}

// TestKeyringCallerDeadline: a caller whose context ends while the shared first load
// is still running gets its context's error at once, and the load still completes for
// the callers that wait.
func TestKeyringCallerDeadline(t *testing.T) {
	e := newEnv(t)
	db := heldDB{DB: e.db, release: make(chan struct{})}
	ring := dynamo.NewKeyring(table.New(db, e.table), e.kms, e.key)

	patient := make(chan error, 1)
	go func() {
		_, err := ring.Key(ctx(t), "oauth-token")
		patient <- err
	}()
	short, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ring.Key(short, "oauth-token"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Key with a cancelled context = %v, want context.Canceled", err)
	}
	close(db.release)
	if err := <-patient; err != nil {
		t.Fatalf("the waiting caller: %v", err)
	}
	if _, err := ring.Key(short, "oauth-token"); err != nil {
		t.Errorf("cached key with a cancelled context: %v (the cache needs no I/O)", err)
	}
}
