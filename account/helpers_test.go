package account_test

import (
	"context"
	"testing"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const testRoleARN = "arn:aws:iam::222222222222:role/easytocloud"

func ctx(t *testing.T) context.Context { return awstest.Context(t) }
