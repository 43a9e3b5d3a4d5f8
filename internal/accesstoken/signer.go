package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Signer signs a JWT's signing input (base64url header "." base64url claims) with
// ECDSA P-256 and SHA-256 and returns the JOSE signature: r and s, 32 bytes each.
// KeyID is the kid of its public key (the RFC 7638 thumbprint).
type Signer interface {
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// publicKeyer is what both signers offer besides Signer: the public key, loaded with
// the caller's context. Mint uses it so that KeyID never has to do I/O of its own.
type publicKeyer interface {
	PublicKey(ctx context.Context) (*ecdsa.PublicKey, error)
}

// SignAPI is the part of the KMS client a KMSSigner uses.
type SignAPI interface {
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKeyAPI
}

// KMSSigner signs with an asymmetric ECC_NIST_P256 SIGN_VERIFY KMS key (kms:Sign) and
// reads its public key once (kms:GetPublicKey). The private key never leaves KMS.
type KMSSigner struct {
	kms   SignAPI
	keyID string
	pub   *kmsKeys
}

// NewKMSSigner returns a signer for the KMS key keyID (ID, ARN or alias). It makes no
// call until it is used.
func NewKMSSigner(client SignAPI, keyID string) *KMSSigner {
	return &KMSSigner{kms: client, keyID: keyID, pub: newKMSKeys(client, keyID)}
}

// PublicKey returns the key's public half, fetched once and cached. It fails when KMS
// cannot be reached or the key is not a P-256 signing key.
func (s *KMSSigner) PublicKey(ctx context.Context) (*ecdsa.PublicKey, error) {
	return s.pub.publicKey(ctx)
}

// Keys makes the signer a KeySource of its own public key.
func (s *KMSSigner) Keys(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	return s.pub.Keys(ctx)
}

// KeyID returns the kid of the key, or "" while the public key has not been loaded
// (Mint loads it first with its context).
func (s *KMSSigner) KeyID() string { return s.pub.cachedKID() }

// Sign signs signingInput with kms:Sign, MessageType RAW and ECDSA_SHA_256 (KMS hashes
// the message itself; the input of a JWT is far below its 4096-byte limit), and
// converts KMS's DER signature to JOSE r||s.
func (s *KMSSigner) Sign(ctx context.Context, signingInput []byte) ([]byte, error) {
	if len(signingInput) > 4096 {
		return nil, fmt.Errorf("kms sign: signing input of %d bytes exceeds the 4096-byte RAW limit", len(signingInput))
	}
	out, err := s.kms.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          signingInput,
		MessageType:      kmstypes.MessageTypeRaw,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("kms sign with %s: %w", s.keyID, err)
	}
	sig, err := derToJOSE(out.Signature)
	if err != nil {
		return nil, fmt.Errorf("kms sign with %s: %w", s.keyID, err)
	}
	return sig, nil
}

// derToJOSE converts an ASN.1 ECDSA-Sig-Value (SEQUENCE{r, s}) to the fixed-size
// r||s form JWS uses for ES256 (RFC 7518 section 3.4).
func derToJOSE(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("malformed DER ECDSA signature")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return nil, errors.New("ECDSA signature values out of range for P-256")
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// FileSigner signs with a P-256 private key kept in a local PEM file. It exists for
// the local stack only; production signs with KMS.
type FileSigner struct {
	key *ecdsa.PrivateKey
	kid string
}

// NewFileSigner loads the P-256 private key in path (PKCS#8 or SEC 1 PEM), creating a
// new one with mode 0600 when the file does not exist. It fails when the file holds
// something else or cannot be read or written, and when its mode lets group or
// others read or write it (the error names the chmod to run): whoever can read the
// key can mint access tokens for any user.
func NewFileSigner(path string) (*FileSigner, error) {
	data, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key file %s: %w", path, err)
	}
	key, err := parsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("signing key file %s: %w", path, err)
	}
	kid, err := Thumbprint(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signing key file %s: %w", path, err)
	}
	return &FileSigner{key: key, kid: kid}, nil
}

// createKeyFile writes a fresh key to path, or reads the one a concurrent creator
// wrote first (O_EXCL decides who), and returns the file's contents.
func createKeyFile(path string) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return data, nil
}

// readKeyFile reads the key file at path after checking, on the open file, that
// only its owner may read or write it. Windows has no such mode bits to check.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("mode %04o lets others than its owner use the key; run: chmod 600 %s", perm, path)
	}
	return io.ReadAll(f)
}

func parsePrivateKey(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 ECDSA private key")
	}
	return ec, nil
}

// KeyID returns the kid of the key.
func (s *FileSigner) KeyID() string { return s.kid }

// PublicKey returns the key's public half.
func (s *FileSigner) PublicKey(context.Context) (*ecdsa.PublicKey, error) {
	return &s.key.PublicKey, nil
}

// Keys makes the signer a KeySource of its own public key.
func (s *FileSigner) Keys(context.Context) (map[string]*ecdsa.PublicKey, error) {
	return map[string]*ecdsa.PublicKey{s.kid: &s.key.PublicKey}, nil
}

// Sign signs signingInput with ECDSA P-256 over its SHA-256 and returns r||s.
func (s *FileSigner) Sign(_ context.Context, signingInput []byte) ([]byte, error) {
	digest := sha256.Sum256(signingInput)
	der, err := ecdsa.SignASN1(rand.Reader, s.key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign with key file: %w", err)
	}
	return derToJOSE(der)
}
