package alexa

import (
	"fmt"
	"time"
)

// The types below are the Alexa custom-skill JSON interface (request and response
// envelopes, version "1.0") as the ASK request and response references document
// them. Decoding is tolerant: unknown fields are ignored and absent fields stay at
// their zero value, because Alexa adds fields over time and certification sends
// requests with parts missing. Encoding omits what is empty, so a request built from
// these types looks like one Alexa sends.

// Request types Alexa sends to a custom skill that the skill handles.
const (
	LaunchRequestType       = "LaunchRequest"
	IntentRequestType       = "IntentRequest"
	SessionEndedRequestType = "SessionEndedRequest"
	SkillEnabledType        = "AlexaSkillEvent.SkillEnabled"
	SkillDisabledType       = "AlexaSkillEvent.SkillDisabled"
	SkillAccountLinkedType  = "AlexaSkillEvent.SkillAccountLinked"
)

// Dialog states of an IntentRequest for an intent with a dialog model.
const (
	DialogStarted    = "STARTED"
	DialogInProgress = "IN_PROGRESS"
	DialogCompleted  = "COMPLETED"
)

// Confirmation statuses of an intent or slot.
const (
	ConfirmationNone      = "NONE"
	ConfirmationConfirmed = "CONFIRMED"
	ConfirmationDenied    = "DENIED"
)

// Entity resolution status codes.
const (
	ERSuccessMatch   = "ER_SUCCESS_MATCH"
	ERSuccessNoMatch = "ER_SUCCESS_NO_MATCH"
	ERErrorTimeout   = "ER_ERROR_TIMEOUT"
	ERErrorException = "ER_ERROR_EXCEPTION"
)

// Reasons of a SessionEndedRequest.
const (
	ReasonUserInitiated        = "USER_INITIATED"
	ReasonError                = "ERROR"
	ReasonExceededMaxReprompts = "EXCEEDED_MAX_REPROMPTS"
)

// RequestEnvelope is the body Alexa sends to a skill.
type RequestEnvelope struct {
	Version string `json:"version"`
	// Session is absent (zero) for requests outside a session, such as skill events.
	Session Session `json:"session,omitzero"`
	Context Context `json:"context"`
	Request Request `json:"request"`
}

// Session is the session object of a request.
type Session struct {
	New         bool           `json:"new"`
	SessionID   string         `json:"sessionId"`
	Application Application    `json:"application"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	User        User           `json:"user"`
}

// Application identifies the skill.
type Application struct {
	ApplicationID string `json:"applicationId"`
}

// User is the Alexa user. AccessToken is present once the account is linked.
type User struct {
	UserID      string       `json:"userId"`
	AccessToken string       `json:"accessToken,omitempty"`
	Permissions *Permissions `json:"permissions,omitempty"`
}

// Permissions carries the consent token of permissions the user granted the skill.
type Permissions struct {
	ConsentToken string `json:"consentToken,omitempty"`
}

// Context is the context object of a request. Only the System object is decoded;
// the interface states (AudioPlayer, Viewport, …) the skill does not use are ignored.
type Context struct {
	System System `json:"System"`
}

// System is the System object of the context.
type System struct {
	Application Application `json:"application"`
	User        User        `json:"user"`
	Person      *Person     `json:"person,omitempty"`
	Device      Device      `json:"device"`
	// APIEndpoint and APIAccessToken address the Alexa APIs for this request, such as
	// the progressive response directive endpoint.
	APIEndpoint    string `json:"apiEndpoint"`
	APIAccessToken string `json:"apiAccessToken,omitempty"`
}

// Person is the recognised speaker, when voice profiles are on.
type Person struct {
	PersonID    string `json:"personId"`
	AccessToken string `json:"accessToken,omitempty"`
}

// Device is the device that heard the utterance.
type Device struct {
	DeviceID            string         `json:"deviceId"`
	SupportedInterfaces map[string]any `json:"supportedInterfaces"`
}

// Request is the request object. Which fields are set depends on Type: Intent and
// DialogState for an IntentRequest, Reason and Error for a SessionEndedRequest, Body
// and the event times for skill events.
type Request struct {
	Type      string `json:"type"`
	RequestID string `json:"requestId"`
	// Timestamp is when Alexa sent the request, in RFC 3339 form.
	Timestamp   string         `json:"timestamp"`
	Locale      string         `json:"locale,omitempty"`
	Intent      *RequestIntent `json:"intent,omitempty"`
	DialogState string         `json:"dialogState,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	Error       *RequestError  `json:"error,omitempty"`
	// Skill events.
	EventCreationTime   string     `json:"eventCreationTime,omitempty"`
	EventPublishingTime string     `json:"eventPublishingTime,omitempty"`
	Body                *EventBody `json:"body,omitempty"`
}

// Time parses Timestamp. Alexa sends RFC 3339; the error says when it did not.
func (r Request) Time() (time.Time, error) {
	t, err := time.Parse(time.RFC3339, r.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("request timestamp %q: %w", r.Timestamp, err)
	}
	return t, nil
}

// RequestError is the error of a SessionEndedRequest with reason ERROR.
type RequestError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// EventBody is the body of a skill event.
type EventBody struct {
	// UserInformationPersistenceStatus of SkillDisabled: PERSISTED when the user may
	// enable the skill again with their data kept, NOT_PERSISTED otherwise.
	UserInformationPersistenceStatus string `json:"userInformationPersistenceStatus,omitempty"`
	// AccessToken of SkillAccountLinked: the token the account was linked with.
	AccessToken string `json:"accessToken,omitempty"`
}

// RequestIntent is the intent of an IntentRequest (and of a Dialog directive's
// updatedIntent).
type RequestIntent struct {
	Name               string                 `json:"name"`
	ConfirmationStatus string                 `json:"confirmationStatus"`
	Slots              map[string]RequestSlot `json:"slots,omitempty"`
}

// RequestSlot is one slot of a request intent. Value is absent when the user did not
// fill the slot.
type RequestSlot struct {
	Name               string       `json:"name"`
	Value              string       `json:"value,omitempty"`
	ConfirmationStatus string       `json:"confirmationStatus"`
	Source             string       `json:"source,omitempty"`
	Resolutions        *Resolutions `json:"resolutions,omitempty"`
	// SlotValue is the newer form of the value (type Simple or List), sent alongside
	// Value; the skill reads Value.
	SlotValue *SlotValue `json:"slotValue,omitempty"`
}

// SlotValue is the slotValue object of a slot: a Simple value or a List of values.
type SlotValue struct {
	Type        string       `json:"type"`
	Value       string       `json:"value,omitempty"`
	Resolutions *Resolutions `json:"resolutions,omitempty"`
	Values      []SlotValue  `json:"values,omitempty"`
}

// Resolutions holds the entity resolution results of a slot.
type Resolutions struct {
	ResolutionsPerAuthority []Resolution `json:"resolutionsPerAuthority"`
}

// Resolution is the result of one authority (the static slot type or the skill's
// dynamic entities).
type Resolution struct {
	Authority string             `json:"authority"`
	Status    ResolutionStatus   `json:"status"`
	Values    []ResolutionValues `json:"values,omitempty"`
}

// ResolutionStatus carries ER_SUCCESS_MATCH, ER_SUCCESS_NO_MATCH or an error code.
type ResolutionStatus struct {
	Code string `json:"code"`
}

// ResolutionValues wraps one resolved value.
type ResolutionValues struct {
	Value ResolvedValue `json:"value"`
}

// ResolvedValue is the canonical name and id of a resolved slot value.
type ResolvedValue struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// ApplicationID returns the skill ID the request is for: context.System's, which
// every request carries, else the session's.
func (e *RequestEnvelope) ApplicationID() string {
	if id := e.Context.System.Application.ApplicationID; id != "" {
		return id
	}
	return e.Session.Application.ApplicationID
}

// AccessToken returns the linked account's access token: context.System.user's, else
// the session user's; "" when the account is not linked.
func (e *RequestEnvelope) AccessToken() string {
	if t := e.Context.System.User.AccessToken; t != "" {
		return t
	}
	return e.Session.User.AccessToken
}

// Locale returns the request's locale, "en-US" when absent.
func (e *RequestEnvelope) Locale() string {
	if e.Request.Locale == "" {
		return "en-US"
	}
	return e.Request.Locale
}

// Slot returns the slot of the request's intent with the given name, and whether the
// user filled it. A value of "?" (Alexa's placeholder for a number it did not
// understand) counts as not filled.
func (e *RequestEnvelope) Slot(name string) (RequestSlot, bool) {
	if e.Request.Intent == nil {
		return RequestSlot{}, false
	}
	s, ok := e.Request.Intent.Slots[name]
	if !ok || s.Value == "" || s.Value == "?" {
		return s, false
	}
	return s, true
}

// Resolved returns the first entity-resolution match of the slot from the skill's
// dynamic entities (dynamic true) or from the static slot type (dynamic false), and
// whether there was one.
func (s RequestSlot) Resolved(dynamic bool) (ResolvedValue, bool) {
	if s.Resolutions == nil {
		return ResolvedValue{}, false
	}
	for _, r := range s.Resolutions.ResolutionsPerAuthority {
		if r.Status.Code != ERSuccessMatch || len(r.Values) == 0 {
			continue
		}
		if r.IsDynamic() != dynamic {
			continue
		}
		return r.Values[0].Value, true
	}
	return ResolvedValue{}, false
}

// IsDynamic reports whether the result is from the skill's dynamic entities rather
// than from the static slot type.
func (r Resolution) IsDynamic() bool {
	const prefix = "amzn1.er-authority.echo-sdk.dynamic."
	return len(r.Authority) >= len(prefix) && r.Authority[:len(prefix)] == prefix
}

// ResponseEnvelope is the body a skill answers with.
type ResponseEnvelope struct {
	Version           string         `json:"version"`
	SessionAttributes map[string]any `json:"sessionAttributes,omitempty"`
	Response          Response       `json:"response"`
}

// Response is the response object.
type Response struct {
	OutputSpeech *OutputSpeech `json:"outputSpeech,omitempty"`
	Card         *Card         `json:"card,omitempty"`
	Reprompt     *Reprompt     `json:"reprompt,omitempty"`
	Directives   []Directive   `json:"directives,omitempty"`
	// ShouldEndSession is true to end the session, false to keep it open for the
	// user's answer; absent lets the device decide (a voice-only device ends it).
	ShouldEndSession *bool `json:"shouldEndSession,omitempty"`
}

// Output speech and card types.
const (
	SpeechPlainText = "PlainText"
	SpeechSSML      = "SSML"

	CardSimple      = "Simple"
	CardStandard    = "Standard"
	CardLinkAccount = "LinkAccount"
)

// OutputSpeech is what Alexa says: PlainText (Text) or SSML (SSML).
type OutputSpeech struct {
	Type         string `json:"type"`
	Text         string `json:"text,omitempty"`
	SSML         string `json:"ssml,omitempty"`
	PlayBehavior string `json:"playBehavior,omitempty"`
}

// Reprompt is what Alexa says when the user stays silent.
type Reprompt struct {
	OutputSpeech *OutputSpeech `json:"outputSpeech,omitempty"`
}

// Card is the card shown in the Alexa app: Simple (Title, Content), Standard (Title,
// Text, Image) or LinkAccount (no other fields).
type Card struct {
	Type    string     `json:"type"`
	Title   string     `json:"title,omitempty"`
	Content string     `json:"content,omitempty"`
	Text    string     `json:"text,omitempty"`
	Image   *CardImage `json:"image,omitempty"`
}

// CardImage is the image of a Standard card.
type CardImage struct {
	SmallImageURL string `json:"smallImageUrl,omitempty"`
	LargeImageURL string `json:"largeImageUrl,omitempty"`
}

// Directive types the skill sends.
const (
	DirectiveConfirmIntent         = "Dialog.ConfirmIntent"
	DirectiveConfirmSlot           = "Dialog.ConfirmSlot"
	DirectiveElicitSlot            = "Dialog.ElicitSlot"
	DirectiveDelegate              = "Dialog.Delegate"
	DirectiveUpdateDynamicEntities = "Dialog.UpdateDynamicEntities"
)

// Update behaviours of Dialog.UpdateDynamicEntities.
const (
	UpdateReplace = "REPLACE"
	UpdateClear   = "CLEAR"
)

// Directive is a directive of a response. The fields used depend on Type:
// UpdatedIntent for the Dialog directives, SlotToElicit for Dialog.ElicitSlot,
// SlotToConfirm for Dialog.ConfirmSlot, UpdateBehavior and Types for
// Dialog.UpdateDynamicEntities.
type Directive struct {
	Type           string          `json:"type"`
	UpdatedIntent  *RequestIntent  `json:"updatedIntent,omitempty"`
	SlotToElicit   string          `json:"slotToElicit,omitempty"`
	SlotToConfirm  string          `json:"slotToConfirm,omitempty"`
	UpdateBehavior string          `json:"updateBehavior,omitempty"`
	Types          []DynamicEntity `json:"types,omitempty"`
}

// DynamicEntity is a slot type extended at runtime by Dialog.UpdateDynamicEntities.
type DynamicEntity struct {
	Name   string        `json:"name"`
	Values []EntityValue `json:"values"`
}

// EntityValue is one value of a dynamic entity; ID is what entity resolution reports.
type EntityValue struct {
	ID   string     `json:"id,omitempty"`
	Name EntityName `json:"name"`
}

// EntityName is the spoken value and its synonyms.
type EntityName struct {
	Value    string   `json:"value"`
	Synonyms []string `json:"synonyms,omitempty"`
}
