// Package tenants is the domain of easytocloud: a tenant is one customer AWS account
// that easytocloud may act in, and a user is a person of that tenant who links their
// Alexa account to it. It holds their types, the rules that validate them, their IDs,
// how passwords are hashed, and the package's errors; it also turns a tenant into
// working AWS credentials for its account (Access). Package tenants/dynamo stores
// tenants and users in the single DynamoDB table and seals their secrets with KMS.
// It imports no other package of the project.
package tenants
