// Package tenants is the domain of easytocloud: a tenant is one customer AWS account
// that easytocloud may act in, and a user is a person of that tenant who links their
// Alexa account to it. It stores both in the single DynamoDB table, validates them,
// keeps their secrets encrypted with KMS, and turns a tenant into working AWS
// credentials for its account. It imports no other package of the project.
package tenants
