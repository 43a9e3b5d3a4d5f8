package interactionmodel

// The types below are the parts of the Alexa custom-skill JSON interface (request and
// response envelopes, version "1.0") that the simulator produces and reads. Field names
// follow the ASK request and response reference.

// RequestEnvelope is the body Alexa POSTs to a skill.
type RequestEnvelope struct {
	Version string  `json:"version"`
	Session Session `json:"session"`
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

// User is the Alexa user; AccessToken is present once the account is linked.
type User struct {
	UserID      string `json:"userId"`
	AccessToken string `json:"accessToken,omitempty"`
}

// Context is the context object of a request.
type Context struct {
	System System `json:"System"`
}

// System is the System object of the context.
type System struct {
	Application    Application `json:"application"`
	User           User        `json:"user"`
	Device         Device      `json:"device"`
	APIEndpoint    string      `json:"apiEndpoint"`
	APIAccessToken string      `json:"apiAccessToken"`
}

// Device is the device that heard the utterance.
type Device struct {
	DeviceID            string         `json:"deviceId"`
	SupportedInterfaces map[string]any `json:"supportedInterfaces"`
}

// Request is the request object: LaunchRequest, IntentRequest or SessionEndedRequest.
type Request struct {
	Type        string         `json:"type"`
	RequestID   string         `json:"requestId"`
	Timestamp   string         `json:"timestamp"`
	Locale      string         `json:"locale"`
	Intent      *RequestIntent `json:"intent,omitempty"`
	DialogState string         `json:"dialogState,omitempty"`
	Reason      string         `json:"reason,omitempty"`
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
	Resolutions        *Resolutions `json:"resolutions,omitempty"`
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

// ResolutionStatus carries ER_SUCCESS_MATCH or ER_SUCCESS_NO_MATCH.
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

// Entity resolution status codes.
const (
	ERSuccessMatch   = "ER_SUCCESS_MATCH"
	ERSuccessNoMatch = "ER_SUCCESS_NO_MATCH"
)

// Confirmation statuses of an intent or slot.
const (
	ConfirmationNone      = "NONE"
	ConfirmationConfirmed = "CONFIRMED"
	ConfirmationDenied    = "DENIED"
)

// ResponseEnvelope is the body a skill answers with.
type ResponseEnvelope struct {
	Version           string         `json:"version"`
	SessionAttributes map[string]any `json:"sessionAttributes,omitempty"`
	Response          Response       `json:"response"`
}

// Response is the response object.
type Response struct {
	OutputSpeech     *OutputSpeech `json:"outputSpeech,omitempty"`
	Card             *Card         `json:"card,omitempty"`
	Reprompt         *Reprompt     `json:"reprompt,omitempty"`
	Directives       []Directive   `json:"directives,omitempty"`
	ShouldEndSession *bool         `json:"shouldEndSession,omitempty"`
}

// OutputSpeech is what Alexa says: PlainText (Text) or SSML (SSML).
type OutputSpeech struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	SSML string `json:"ssml,omitempty"`
}

// Reprompt is what Alexa says when the user stays silent.
type Reprompt struct {
	OutputSpeech *OutputSpeech `json:"outputSpeech,omitempty"`
}

// Card is the card shown in the Alexa app: Simple (Content), Standard (Text) or
// LinkAccount.
type Card struct {
	Type    string `json:"type"`
	Title   string `json:"title,omitempty"`
	Content string `json:"content,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Directive is a directive of a response; only the fields of the Dialog directives
// the simulator understands are decoded.
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
	Name   string      `json:"name"`
	Values []TypeValue `json:"values"`
}
