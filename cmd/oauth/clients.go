package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// The server reaches DynamoDB and KMS through these adapters, which hold the few
// operations it calls as func values rather than the SDK clients themselves.
//
// Why: the sign-in and consent pages are html/template, which looks methods up by
// name (reflect.Value.MethodByName). That makes the linker keep every exported method
// of every type that can reach an interface, so *dynamodb.Client and *kms.Client,
// handed over directly, would bring all their operations (with their serialisers and
// deserialisers) into the bootstrap, over its size target. A func value carries no
// type whose methods the linker must keep. make bench prints the size; keep new
// operations in this file.

// dynamoDB is a table.DB (the one interface of internal/table) made of the method
// values of the SDK client: the adapter above, not another declaration of the set.
type dynamoDB struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

func newDynamoDB(c *dynamodb.Client) *dynamoDB {
	return &dynamoDB{c.GetItem, c.PutItem, c.UpdateItem, c.DeleteItem, c.Query, c.TransactWriteItems}
}

func (d *dynamoDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return d.getItem(ctx, in, opts...)
}

func (d *dynamoDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return d.putItem(ctx, in, opts...)
}

func (d *dynamoDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return d.updateItem(ctx, in, opts...)
}

func (d *dynamoDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return d.deleteItem(ctx, in, opts...)
}

func (d *dynamoDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return d.query(ctx, in, opts...)
}

func (d *dynamoDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return d.transactWriteItems(ctx, in, opts...)
}

// kmsAPI is the part of the KMS client the Keyring (Encrypt, Decrypt) and the token
// signer (Sign, GetPublicKey) use.
type kmsAPI struct {
	encrypt      func(context.Context, *kms.EncryptInput, ...func(*kms.Options)) (*kms.EncryptOutput, error)
	decrypt      func(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error)
	sign         func(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error)
	getPublicKey func(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

func newKMS(c *kms.Client) *kmsAPI {
	return &kmsAPI{c.Encrypt, c.Decrypt, c.Sign, c.GetPublicKey}
}

func (k *kmsAPI) Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	return k.encrypt(ctx, in, opts...)
}

func (k *kmsAPI) Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return k.decrypt(ctx, in, opts...)
}

func (k *kmsAPI) Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error) {
	return k.sign(ctx, in, opts...)
}

func (k *kmsAPI) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return k.getPublicKey(ctx, in, opts...)
}
