# The caseworker's page, English. Every id here is in da, nb and sv too (a test checks).

## Page frame
site-name = Handover hub
site-tagline = caseworker inbox
skip-to-content = Skip to content
nav-main = Main
nav-inbox = Inbox
nav-people = People
nav-access-log = Access log
nav-admin = Agent settings
nav-language = Language
sign-out = Sign out
footer = Messages are shown only to this agency. Personal data: handle according to your agency's rules.
back-to-inbox = Inbox

## Roles
role-caseworker = Caseworker
role-coordinator = Coordinator
role-administrator = Administrator

## Signing in and out
sign-in-title = Sign in
sign-in-intro = Sign in with your own work account, through your agency's sign-in service. The agent records what you open and send under your name.
sign-in-button = Sign in with your work account
sign-in-not-set-up-title = Sign-in is not set up
sign-in-not-set-up = This agent has no sign-in service configured, so nobody can sign in to the page. The agency's administrator sets it up in the agent's settings (see the README). Messages are still exchanged and kept.
sign-in-provider-down = Your agency's sign-in service cannot be reached just now, so you cannot sign in. Messages keep arriving and are kept; nothing is lost. Try again in a few minutes, and tell your administrator if it lasts.
sign-in-refused = You were not signed in: { $why } Start again.
sign-in-why-provider-said-no = the sign-in service did not sign you in.
sign-in-why-incomplete = the answer from the sign-in service is incomplete.
sign-in-why-other-browser = this browser did not start the sign-in (or it took longer than 10 minutes).
sign-in-why-checks = the answer from the sign-in service did not pass its checks.
sign-in-no-role = You signed in, but your account has no role at this agency's agent (caseworker, coordinator or administrator). Ask your administrator to give you one.
signed-in-title = Signed in
signed-in-continue = Continue to the inbox
signing-out-title = Signing out
signing-out = You are signed out of this page.
signing-out-provider = Sign out of your agency's sign-in service too
signed-out-title = You are signed out
signed-out-shared-pc = Close the browser if this is a shared PC.
sign-in-again = Sign in again

## Refusals and errors
refused-title = Refused
refused-other-site = This form was sent from another site. Open the inbox page and try again.
form-expired-title = This form has expired
form-expired = The form was not sent from this page as it stands now, or it is too old. Go back, reload the page and try again.
form-too-large-title = Too much in the form
form-too-large = The form holds more than the page takes. Go back and shorten what you wrote.
not-for-role-title = Not for your role
not-for-role = You are signed in as { $name } ({ $roles }). This page is for other roles. Ask your administrator if your work needs it.
failed-title = That did not work
not-found-title = Not found
not-found = There is no such page or message here. Go back to the inbox.
went-wrong-title = Something went wrong
went-wrong = The agent could not do this. The cause is in the agent's log; please tell your administrator.
quarantined-title = This message is quarantined
quarantined = It was shared under the person's consent, and the person withdrew that consent before anyone here opened the message. It can no longer be opened. The hub's disclosure log still records that it was delivered.

## Message types
type-ReleaseNotice = Release notice
type-HandoverRequest = Handover request
type-HandoverResponse = Answer to a handover
type-HandoverCancelled = Handover cancelled
type-RelocationRequest = Relocation request
type-RelocationConfirmed = Relocation confirmed
type-ConsentGranted = Consent recorded
type-ConsentWithdrawn = Consent withdrawn
type-InformationRequest = Information request
type-InformationResponse = Information answer
type-RiskNeedSummary = Risk and need summary
type-OutcomeReport = Outcome report
type-CaseClosed = Case closed
type-Receipt = Receipt
type-Undeliverable = Could not be delivered
type-Escalation = Deadline passed
type-KeyPublished = Sealing key published
type-KeyDirectory = Key directory
type-PersonLinked = Person linked to a new number
type-other = Message

## Inbox
inbox-title = Inbox
inbox-empty = The inbox is empty.
inbox-caption = Received messages, newest first
col-received = Received
col-message = Message
col-from = From
col-case = Case
col-respond-by = Respond by
col-status = Status
status-quarantined = Quarantined
status-quarantined-why = consent withdrawn; cannot be opened
status-new = New
status-opened = Opened
status-cancelled-by-sender = Cancelled by the sender
status-answer-by-you = { $outcome } by you
outcome-received = Received
outcome-accepted = Accepted
outcome-rejected = Rejected
due-overdue = overdue
due-today = today
due-tomorrow = (tomorrow)
due-in-days = { $days ->
    [one] (in { $days } day)
   *[other] (in { $days } days)
}
send-queued = waiting to be sent
send-sent = sent, waiting for the hub
send-delivered = delivered
send-partially = delivered to some
send-refused = refused by the hub
sent-title = Sent
sent-empty = Nothing sent yet.
sent-caption = Sent messages, newest first
col-accepted = Accepted
col-hub-answer = The hub's answer

## Access log
log-title = Access log
log-intro = Who at this agency opened, searched for and sent what. Content is never logged: only who, when, which message and which person (by pseudonym). For a person's request for access, the command line exports everything: agent access-log export --subject …
log-chain-ok = The log's chain is unbroken ({ $entries } entries): no entry has been changed, removed or inserted.
log-chain-broken = The log's chain is broken. Tell your data protection officer.
log-person = Person (pseudonym)
log-user = User (sign-in name or system)
log-show = Show
log-none = No entries match.
log-caption = Newest first
log-caption-more = Newest first, the latest { $shown } of { $all }
col-when = When
col-who = Who
col-what = What
col-person = Person
log-system = { $name } (system, through the API)
log-command-line = { $name } (command line)
action-message_opened = opened a message
action-location_opened = opened a protected address
action-identity_opened = opened a person's identity
action-person_opened = opened a person's page
action-person_found = found a person in a search
action-person_entered = entered a person
action-message_sent = sent a message
action-other = did something else

## Agent settings
admin-title = Agent settings
admin-intro = The agent of { $agency }. This page shows the agent's state, never case data.
admin-sign-in = Sign-in service
admin-sign-in-set-up = set up
admin-sign-in-not-set-up = not set up
admin-waiting = Messages waiting to be sent
admin-waiting-since = { $count }, the oldest since { $since }
admin-received = Messages received
admin-how = Settings are changed in the agent's settings file and environment (see the README), and the access log is exported with the command line (agent access-log export).

## A message
msg-from = From { $from }, received { $when }.
msg-not-opened = From { $from }, received { $when }. Not opened yet.
msg-opening-logged = Opening it is recorded in this agency's log.
msg-open = Open the message
msg-not-sent = Not sent:
msg-about-person = Everything about this person
answer-title = Your answer
answer-cancelled = The sender cancelled this handover request: the case stays with them, and there is nothing to answer.
answer-done = You have answered this handover request.
answer-question = Will your agency take over this case?
answer-received = Received: we have it and are looking at it (tells the sender in time; decide by the date above)
answer-accept = Accept: the case moves to us
answer-reject = Reject
answer-reason = Reason
answer-reason-hint = Required when you reject; one line, at most 200 characters. The other agency reads it.
answer-reason-kind = Kind of reason (when you reject)
answer-reason-kind-hint = Counted in the national contact point's statistics; the words above are not.
answer-kind-none = Not given
answer-kind-no_capacity = No capacity
answer-kind-not_responsible = Not responsible (another agency is)
answer-kind-person_declined = The person declined
answer-kind-insufficient_information = Insufficient information
answer-kind-other = Other
answer-send = Send answer
answer-choose = Choose whether you have received it, accept it or reject it.
answer-reason-too-long = The reason must be one line of at most 200 characters.
answer-reason-needed = A rejection needs a reason: say why your agency cannot take over the case.

## What a message says (labels)
fact-agencies = Agencies
fact-allows = Allows
fact-answer = Answer
fact-answers = Answers
fact-attachment = Attachment
fact-case = Case
fact-consent = Consent
fact-contact-officer = Contact officer
fact-covers = Covers
fact-deadline = Deadline
fact-delivered = Delivered to
fact-earliest-release = Earliest release
fact-expected-release = Expected release
fact-handover = Handover
fact-housing-need = Housing need
fact-income-need = Income need
fact-moved-on = Moved on
fact-needed-by = Needed by
fact-needs = Needs
fact-new-case-owner = New case owner
fact-period = Period
fact-person = Person
fact-plan-so-far = Plan so far
fact-programme = Programme
fact-purpose = Purpose
fact-reason = Reason
fact-refused = Refused for
fact-relocation = Relocation
fact-respond-by = Respond by
fact-sent = Sent
fact-sent-by = Sent by
fact-shared-under = Shared under
fact-stage = Stage
fact-supervision = Supervision
fact-threat-level = Threat level
fact-why = Why
fact-withdrawn = Withdrawn

## A protected location
sealed-destination = Sealed destination
sealed-new-address = Sealed new address
sealed-location = Sealed location
sealed-address = Address
sealed-postal-code = Postal code
sealed-city = City
sealed-notes = Notes
sealed-handle = A protected location: opened with this agency's key for this page only; the agent keeps it sealed. Handle it according to your agency's rules for protected addresses.

## Why the hub refused a message, and what to do
reason-MALFORMED_JSON = The message could not be read at all. Tell your administrator: the system that made it is at fault.
reason-UNKNOWN_MESSAGE_TYPE = The hub does not know this kind of message. Tell your administrator.
reason-UNSUPPORTED_SCHEMA_VERSION = The message is in a format version the hub does not speak. Tell your administrator.
reason-SCHEMA_VIOLATION = A field of the message is missing or wrong. Correct it and send again; the technical detail names the field.
reason-OVERSIZED = The message is too large. Send fewer or smaller attachments.
reason-SENDER_MISMATCH = The message claims to come from another agency than yours. Tell your administrator.
reason-UNKNOWN_SENDER = The hub does not know your agency (or no longer). Tell your administrator.
reason-CATEGORIES_UNDECLARED = The message carries kinds of data it does not declare. Tell your administrator.
reason-UNKNOWN_RECIPIENT = An agency you sent it to is not known to the hub. Check the recipient and send again.
reason-NOT_PERMITTED_FOR_ROLE = Your kind of agency may not send this kind of message to that kind of agency. Check the recipient.
reason-FORBIDDEN_PURPOSE = This purpose can never be granted through the hub (criminal investigation or benefit control). Do not send it here.
reason-NO_GATEWAY = No law and no consent of the person allows sharing this with the recipient. Record the person's consent first, or do not share it.
reason-CATEGORY_NOT_COVERED = The person's consent or the law covers only part of what the message carries. Send only what is covered, or ask the person to extend the consent.
reason-DUPLICATE_ID_CONFLICT = A different message was already sent under the same id. Send it as a new message.
reason-CONSENT_NOT_IN_FORCE = The consent named is not in force (replaced, or not yet valid). Use the consent in force.
reason-CONSENT_WITHDRAWN = The person has withdrawn the consent. Nothing more may be shared under it.
reason-CONSENT_EXPIRED = The consent's period has ended. Ask the person for a new consent.
reason-CONSENT_NEEDS_RECONFIRMATION = The person has turned 18 and must confirm the consent their guardian gave. Ask them to confirm it.
reason-CATEGORY_FORBIDDEN_FOR_RECIPIENT = The recipient may never receive some of this data (such as a protected address). Leave it out.
reason-NOT_CUSTODIAN = Only the agency that holds the person's consent form may record a new version. Ask that agency.
reason-INVALID_CONSENT = The consent breaks a rule (a period over 12 months, a minor without a guardian, or the versions out of order). Correct the consent and record it again.
reason-NOT_PARTICIPANT = Your agency takes no part in this case. Check the case.
reason-NOT_CASE_OWNER = Only the agency that owns the case may do this. Ask the owner.
reason-NOT_ADDRESSED_RECIPIENT = Only the agency the handover was sent to may answer it.
reason-INVALID_TRANSITION = The case or handover is not at a stage where this can be done (perhaps it was already answered). Look at the case.
reason-UNKNOWN_HANDOVER = The hub knows no such handover in this case. Check the case.
reason-CASE_CLOSED = The case is closed. Nothing more can be sent about it.
reason-SEALED_FOR_UNENTITLED = A protected field was sealed for an agency that may not read it. Tell your administrator.
reason-SEALED_COPY_MISSING = A recipient of a protected field has no copy of its own. Send the message again.
reason-SEALED_KEY_UNKNOWN = A protected field was sealed with a key the hub does not know. Send the message again in a few minutes.
reason-INVALID_KEY = Your agent's sealing key is not valid. Tell your administrator.
reason-UNPROCESSABLE = The hub could not record this message. Nothing was delivered. Tell your administrator.
reason-UNKNOWN_PROGRAMME = The consent names a programme the hub does not know. Check the programme.
reason-NOT_PROGRAMME_CUSTODIAN = Your agency may not hold this programme's consent forms. The agency that does records the consent.
reason-CONSENT_ALREADY_IN_FORCE = The person already has a consent in force for this programme. Record a new version of it instead.
reason-WITHDRAWAL_EVIDENCE_MISSING = A withdrawal recorded by another agency than the one holding the consent needs its evidence: who received the person's wish, when and how. Add it and send again.
reason-SUBJECT_MISMATCH = The case is about another person than the message names. Check the case and the person.
reason-REASON_REQUIRED = A reason is missing: a rejection or cancellation must say why. Add it and send again.
reason-OUTSIDE_HANDOVER = An answer goes only to the agency that asked, and a cancellation only to the agency asked. Check the recipient.
reason-RATE_LIMITED = The agent has sent too many of these in a short time. It tries again by itself later.
reason-LINK_CONFLICT = The two numbers cannot be joined as one person: the new one is already in use, or the old one is already linked. Check the numbers.
reason-other = The hub refused the message. Tell your administrator.
sent-technical = Technical detail (for your administrator)

## Kinds of personal data
category-IDENTITY = who the person is (identity number, name, date of birth)
category-CONTACT = contact details
category-PROTECTED_LOCATION = a protected address
category-SENTENCE_RELEASE = sentence and release
category-CRIMINAL_HISTORY = criminal history
category-RISK_NEED = risk and needs
category-HEALTH_SUBSTANCE = health and substance use
category-ECONOMY_BENEFITS = housing, income and benefits
category-EDUCATION_EMPLOYMENT = education and employment
category-CASE_STATUS = the state of the case
category-OUTCOME = outcomes
withheld-title = Not shared with your agency
withheld-explained = The sender's message carried more than this. The law or the person's consent does not let your agency have the following, so the hub removed it before the message reached you, and logged that it did. If your work needs it, ask the person for consent.

## Consent on a message's page
consent-title = Consent for this person
consent-none = This agency has no consent record of this person. Messages about them reach this agency only where a law allows it.
consent-held-by-hub = This message was shared under the person's consent (version { $version }). The hub holds the record; this agency has no copy of it.
consent-versions-seen = The consent record versions this agent has sent or received. The hub holds the authoritative record.
withdraw-summary = The person withdraws this consent
withdraw-explain = Record it as soon as the person tells you. It takes effect at once: nothing more is shared under it, the agencies that received data under it are told, and unopened messages that came under it can no longer be opened.
withdraw-received-by = Received by (your role or title)
withdraw-channel = How the person told you
withdraw-channel-in_person = In person
withdraw-channel-in_writing = In writing
withdraw-channel-by_phone = By phone
withdraw-channel-digital = Digitally
withdraw-confirm = The person has told us they withdraw this consent
withdraw-button = Record the withdrawal
withdraw-need-confirm = Tick the box to confirm that the person withdrew the consent, then record it again.
withdraw-need-received-by = Write who received the person's wish (a role or title, at most 200 characters).
withdraw-need-channel = Choose how the person told you.
withdraw-done = The withdrawal is recorded and on its way to the hub, which stops all sharing under the consent at once.

## Navigation to the work views and the send page
nav-due = Due
nav-cases = Cases
nav-releases = Releases
nav-send-any = Send

## Why a message is shared (purposes)
purpose-REINTEGRATION_PLANNING = reintegration planning
purpose-RELEASE_COORDINATION = release coordination
purpose-RELOCATION_SAFETY = relocation for safety
purpose-CASE_COORDINATION = case coordination
purpose-OUTCOME_STATISTICS = outcome statistics
purpose-CRIMINAL_INVESTIGATION = criminal investigation
purpose-BENEFIT_FRAUD_CONTROL = benefit-fraud control

## Assessment and threat levels, need areas
risk-level-very_low = very low
risk-level-low = low
risk-level-medium = medium
risk-level-high = high
risk-level-very_high = very high
need-area-education_employment = education and employment
need-area-family_marital = family and partner
need-area-accommodation = accommodation
need-area-leisure_recreation = leisure
need-area-companions = companions
need-area-alcohol_drug = alcohol and drugs
need-area-procriminal_attitude = pro-criminal attitudes
need-area-antisocial_pattern = antisocial pattern
threat-level-low = low
threat-level-moderate = moderate
threat-level-high = high
threat-level-severe = severe

## What a message says (values)
value-identity-not-shared = identity not shared with your agency
value-identity-unreadable = identity could not be opened: { $why }
value-person = { $name }, { $label } { $number }, born { $born }
value-number-dk = CPR number
value-number-no = national identity number
value-number-se = personal identity number
value-pseudonym = known to the hub only by pseudonym ({ $pseudonym })
value-under-statute = the law ({ $statute })
value-under-consent = the person's consent (version { $version })
value-staff-caseworker = caseworker
value-staff-coordinator = coordinator
value-sent-by = { $name } ({ $role })
value-outcome-received = received (not yet decided)
value-outcome-accepted = accepted: the case moves to them
value-outcome-rejected = rejected
value-handover-cancelled = cancelled by the sender: the case stays with them, nothing to answer
value-consent-version = version { $version }
value-period = { $start } to { $end }
value-nobody = nobody
value-partial = Partial: some of what was asked for is not answered.
value-escalation = { $deadline }, due { $due }, { $days } days overdue
value-person-linked = known by a new identity number; the hub links the two
value-supervision-until = { $supervision } until { $until }
value-withdrawn-entire = the whole consent
value-withdrawn-sharing = sharing with { $whom } only
value-list = { $init } and { $last }
need-unknown = Not known
deadline-release_notice = release notice at the latest 3 months before release
deadline-handover_received = handover request marked received within 2 working days
deadline-handover_answered = handover request answered within 10 working days
deadline-relocation_answered = relocation answered within 2 calendar days
stage-referred = referred
stage-intake = intake
stage-active = active
stage-suspended = suspended
stage-closed = closed
agency-role-municipality = municipalities
agency-role-police = the police
agency-role-prison_probation = the prison and probation service
agency-role-employment = the employment service
agency-role-national_contact_point = the national contact point
consent-s-nothing = Shares nothing: the record has no provisions.
consent-s-any-data = any information
consent-s-shares = Shares { $what }
consent-s-except-shares = Except: shares { $what }
consent-s-except-not = Except: does not share { $what }
consent-s-with = with { $whom }
consent-s-in = in { $kinds }
consent-s-for = for { $why }
consent-s-from-until = from { $start } until { $end }
consent-s-until = until { $end }
fact-asks-about = Asks about
fact-question = Question
fact-partial = Partial answer
fact-instrument = Instrument
fact-assessed-on = Assessed on
fact-risk-level = Risk level
fact-top-needs = Most pressing needs
fact-case-ended = Why the case ended
fact-ended-on = Ended on
fact-no-new-serious-charge = No new serious charge 12 months after
fact-in-education-or-job = In education or a job 3 months after
fact-closed = Closed

## Where a consent version stands
consent-status-refused = refused by the hub: { $why }
consent-status-unconfirmed = sent; the hub has not confirmed it yet
consent-status-superseded = superseded by version { $version }
consent-status-withdrawn = withdrawn by the person on { $on }
consent-status-partly-withdrawn = in force, except for { $whom }: withdrawn for them on { $on }
consent-status-expired = expired on { $on }
consent-status-not-yet = not yet in force (from { $on })
consent-status-in-force = in force
consent-source-this-agency = recorded by this agency
consent-source-received = received from { $from }
consent-version-heading = Version { $version }: { $status }

## An escalation explained
escalation-title = What happened and what to do
escalation-to-coordinator = A deadline has passed: { $late } should have acted by { $due } and is { $days } days late, and { $waiting } is waiting. As coordinator you are told first, so the case does not stall.
escalation-to-coordinator-todo = Ask the caseworker at { $late } (or your own caseworker, if the late step is yours) to act today. If it is not done in time, the national contact point is told next.
escalation-to-contact-point = A deadline has passed twice: { $late } should have acted by { $due } and is { $days } days late, and { $waiting } is waiting. The coordinators were told and it is still not done.
escalation-to-contact-point-todo = Contact the coordinators of both agencies and agree who acts, and by when. You see the person only by pseudonym.

## Why a sealed field could not be read
sealed-why-removed = The hub removed the sealed address: your agency may not have it.
sealed-why-none-sent = The sender included no sealed address.
sealed-why-none-came = No sealed address came with this message.
sealed-why-not-a-location = It opened, but what it holds is not an address this agent can read. Tell your administrator.
sealed-why-not-an-identity = It opened, but what it holds is not an identity this agent can read. Tell your administrator.
sealed-why-for-others = Sealed for other agencies; your agency cannot read it.
sealed-why-for = Sealed for { $whom }; your agency cannot read it.
sealed-why-key-gone = Sealed to a key this agent no longer holds ({ $key }). Tell your administrator: a backup of the agent's keys may have it.
sealed-why-scheme = Sealed in a way this agent does not know ({ $scheme }). Tell your administrator: the agent may need an update.
sealed-why-damaged = Your agency's copy does not open: it is damaged or was not sealed for this message. Ask the sender to send it again.
