package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/easytocloud/easytocloud/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

const testRoleARN = "arn:aws:iam::222222222222:role/easytocloud"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}
