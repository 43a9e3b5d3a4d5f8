package skill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/easytocloud/easytocloud/alexa"
	"github.com/easytocloud/easytocloud/tenants"
)

// newLinkText is the SMS a user gets when an Alexa account that never spoke for them
// does; %s is the time, in UTC. It holds nothing secret: anyone holding the phone may
// read it.
const newLinkText = "easytocloud: a new Alexa account was linked to your easytocloud account on %s UTC. If this was not you, change your password."

// alexaUserID returns the Alexa account the request comes from: context.System's
// user, else the session's; "" when neither names one.
func alexaUserID(env *alexa.RequestEnvelope) string {
	if id := env.Context.System.User.UserID; id != "" {
		return id
	}
	return env.Session.User.UserID
}

// seeAlexaAccount records that the request's Alexa account spoke for the user u
// (principal who) with an access token of grant gid and, when it never had before,
// texts them. A warm function records each account and grant at most once per
// tenants.AlexaLinkUseInterval, so most requests write nothing. A failure is logged;
// the request goes on.
func (h *Handler) seeAlexaAccount(ctx context.Context, env *alexa.RequestEnvelope, who tenants.Principal, gid string, u tenants.User, log *slog.Logger) {
	id := alexaUserID(env)
	if h.Links == nil || id == "" {
		return
	}
	key := who.TenantID + "/" + who.UserID + "/" + id + "/" + gid
	now := h.now()
	h.mu.Lock()
	next, seen := h.linksSeen[key]
	h.mu.Unlock()
	if seen && now.Before(next) {
		return
	}
	tctx, cancel := context.WithTimeout(ctx, h.callTimeout())
	isNew, err := h.Links.TouchAlexaLink(tctx, who.TenantID, who.UserID, id, gid)
	cancel()
	if err != nil {
		log.ErrorContext(ctx, "recording the Alexa account failed", slog.String("error", err.Error()))
		return
	}
	h.mu.Lock()
	if h.linksSeen == nil {
		h.linksSeen = map[string]time.Time{}
	}
	for k, next := range h.linksSeen {
		if !now.Before(next) {
			delete(h.linksSeen, k)
		}
	}
	h.linksSeen[key] = now.Add(tenants.AlexaLinkUseInterval)
	h.mu.Unlock()
	if isNew {
		h.tellNewLink(ctx, u, now, log.With(slog.String("alexa_link", tenants.AlexaLinkID(id))))
	}
}

// tellNewLink texts u that a new Alexa account was linked at at. A user without a
// phone, or a Handler without SNS, is not told; a failed send is logged.
func (h *Handler) tellNewLink(ctx context.Context, u tenants.User, at time.Time, log *slog.Logger) {
	if h.SNS == nil || u.Phone == "" {
		log.InfoContext(ctx, "new Alexa account for the user; no phone to tell them on")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.callTimeout())
	defer cancel()
	_, err := h.SNS.Publish(ctx, &sns.PublishInput{
		PhoneNumber: aws.String(u.Phone),
		Message:     aws.String(fmt.Sprintf(newLinkText, at.UTC().Format("2006-01-02 15:04"))),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"AWS.SNS.SMS.SMSType": {DataType: aws.String("String"), StringValue: aws.String("Transactional")},
		},
	})
	if err != nil {
		// SNS's message may name the phone number: only its error code is logged.
		reason := "unknown"
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr):
			reason = apiErr.ErrorCode()
		case ctx.Err() != nil:
			reason = ctx.Err().Error()
		}
		log.WarnContext(ctx, "new Alexa account for the user; the SMS telling them failed", slog.String("sns_error", reason))
		return
	}
	log.InfoContext(ctx, "new Alexa account for the user; told them by SMS")
}
