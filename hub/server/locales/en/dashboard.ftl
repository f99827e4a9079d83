# The national contact point's dashboard (hub/server/src/http/dashboard): the frame, the
# sign-in page and the views cases, timing, rejections, consent, flows and relocations.

## The frame
dash-site = National contact point
dash-heading = National contact point – { $jurisdiction }
dash-signed-in-as = Signed in as
dash-role-analyst = analyst
dash-role-statistician = statistician
dash-sign-out = Sign out
dash-nav-views = Views
dash-nav-languages = Language
dash-suppression-note = Counts from 1 to 4 are shown as <5. Where a total would let one be worked out, another count is suppressed with it, and so is any rate that would give one away. Figures are for { $jurisdiction } only.
dash-as-json = This view as JSON
dash-jurisdiction-dk = Denmark
dash-jurisdiction-no = Norway
dash-jurisdiction-se = Sweden

## The views' titles
dash-view-cases = Cases
dash-view-overdue = Overdue handovers
dash-view-timing = Time to receive and accept
dash-view-rejections = Rejections and refusals
dash-view-consent = Consent coverage
dash-view-outcomes = Outcomes
dash-view-flows = Flows between agencies
dash-view-relocations = Relocations
dash-not-available = Not available
dash-no-such-view = There is no such view.
dash-figures-unavailable = The figures could not be read just now. Try again shortly.

## Signing in and out
dash-sign-in = Sign in
dash-login-name = Login name
dash-password = Password
dash-login-wrong = Wrong name or password.
dash-login-throttled = Too many failed sign-ins. Wait { $seconds } s and try again.
dash-login-other-site = This sign-in form was sent from another site. Open the sign-in page and try again.
dash-login-unavailable = Signing in is not possible just now. Try again shortly.
dash-logout-refused = This sign-out did not come from the dashboard's own page, so you are still signed in. Open the dashboard and use its Sign out button.

## Tables and charts
dash-total = Total
dash-none = None.
dash-suppressed = suppressed
dash-chart-empty = Nothing to show yet.
dash-days-pair = { $median } / { $p90 } days

## Cases
dash-cases-in-all = Cases in all
dash-cases-by-stage = Cases by stage
dash-stage = Stage
dash-cases = Cases
dash-cases-by-programme = Cases by programme and stage
dash-programme = Programme
dash-cases-by-region = Cases by region and stage
dash-region = Region
dash-cases-by-agency = Cases by owning agency and stage
dash-agency = Agency
dash-stage-referred = Referred
dash-stage-intake = Intake
dash-stage-active = Active
dash-stage-suspended = Suspended
dash-stage-closed = Closed
dash-stage-other = Other stage
dash-no-consent = No consent recorded
dash-region-unknown = Region not known
dash-region-all = All regions

## Timing
dash-timing-note = Days from the request. Bars are medians, red marks the 90th percentile; an agency with fewer than 5 handovers shows none.
dash-time-to-receive = Time to receive
dash-time-to-accept = Time to accept
dash-receive-chart = Days to receive a handover: median and 90th percentile
dash-accept-chart = Days to accept a handover: median and 90th percentile
dash-timing-caption = Time to receive and to accept, per agency asked (days)
dash-agency-asked = Agency asked
dash-received = Received
dash-receive-p50 = Days to receive, median
dash-receive-p90 = Days to receive, 90th percentile
dash-accepted = Accepted
dash-accept-p50 = Days to accept, median
dash-accept-p90 = Days to accept, 90th percentile

## Rejections and refusals
dash-rejected-by-reason = Handovers rejected, by reason
dash-rejected-caption = Handovers rejected, by the receiving agency's reason
dash-reason = Reason
dash-handovers = Handovers
dash-refused-by-reason = Refused by the hub, by reason
dash-refused-chart = Messages and recipients refused by the hub
dash-refused-caption = Messages and recipients refused by the hub (senders of this jurisdiction)
dash-refused = Refused
dash-rejection-no_capacity = No capacity
dash-rejection-not_responsible = Not responsible (another agency is)
dash-rejection-person_declined = The person declined
dash-rejection-insufficient_information = Insufficient information
dash-rejection-other = Other reason
dash-rejection-not_given = Not given
dash-refusal-MALFORMED_JSON = Message could not be read
dash-refusal-UNKNOWN_MESSAGE_TYPE = Unknown kind of message
dash-refusal-UNSUPPORTED_SCHEMA_VERSION = Format version not supported
dash-refusal-SCHEMA_VIOLATION = Field missing or wrong
dash-refusal-OVERSIZED = Message too large
dash-refusal-SENDER_MISMATCH = Sender not the agency it claims
dash-refusal-UNKNOWN_SENDER = Sender not registered
dash-refusal-CATEGORIES_UNDECLARED = Kinds of data not declared
dash-refusal-UNKNOWN_RECIPIENT = Recipient not registered
dash-refusal-NOT_PERMITTED_FOR_ROLE = Not permitted between these kinds of agency
dash-refusal-FORBIDDEN_PURPOSE = Purpose never permitted
dash-refusal-NO_GATEWAY = No legal basis or consent for the recipient
dash-refusal-CATEGORY_NOT_COVERED = Data not covered by the consent or the law
dash-refusal-DUPLICATE_ID_CONFLICT = Same id, different message
dash-refusal-CONSENT_NOT_IN_FORCE = Consent not in force
dash-refusal-CONSENT_WITHDRAWN = Consent withdrawn
dash-refusal-CONSENT_EXPIRED = Consent expired
dash-refusal-CONSENT_NEEDS_RECONFIRMATION = Consent to be confirmed at 18
dash-refusal-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Data the recipient may never receive
dash-refusal-NOT_CUSTODIAN = Consent recorded by an agency not holding the form
dash-refusal-INVALID_CONSENT = Consent breaks a rule
dash-refusal-NOT_PARTICIPANT = Sender takes no part in the case
dash-refusal-NOT_CASE_OWNER = Sender does not own the case
dash-refusal-NOT_ADDRESSED_RECIPIENT = Answer from an agency not asked
dash-refusal-INVALID_TRANSITION = Not possible at the case's stage
dash-refusal-UNKNOWN_HANDOVER = Unknown handover
dash-refusal-CASE_CLOSED = Case closed
dash-refusal-SEALED_FOR_UNENTITLED = Protected field sealed for an agency not entitled
dash-refusal-SEALED_COPY_MISSING = Protected field without a recipient's copy
dash-refusal-SEALED_KEY_UNKNOWN = Protected field sealed with an unknown key
dash-refusal-INVALID_KEY = Sealing key not valid
dash-refusal-UNPROCESSABLE = Message could not be recorded
dash-refusal-UNKNOWN_PROGRAMME = Unknown programme
dash-refusal-NOT_PROGRAMME_CUSTODIAN = Agency may not hold the programme's consent forms
dash-refusal-CONSENT_ALREADY_IN_FORCE = Consent already in force for the programme
dash-refusal-WITHDRAWAL_EVIDENCE_MISSING = Withdrawal without its evidence
dash-refusal-SUBJECT_MISMATCH = Message names another person than its case
dash-refusal-REASON_REQUIRED = Reason missing
dash-refusal-OUTSIDE_HANDOVER = Recipient outside the handover
dash-refusal-RATE_LIMITED = Too many in a short time
dash-refusal-LINK_CONFLICT = Numbers that cannot be linked as one person
dash-refusal-other = Other reason

## Consent coverage
dash-consent-chart = Open cases with a consent in force, per cent
dash-consent-caption = Consent coverage of open cases, by region of the owning agency
dash-open-cases = Open cases
dash-with-consent = With consent in force
dash-coverage = Coverage

## Flows
dash-flows-note = Handovers from the agency in the row to the agency in the column. Relocations are not included: they are counted under Relocations only.
dash-flows-chart = Handovers from agency to agency
dash-flows-caption = Handovers from agency (row) to agency (column)
dash-flows-corner = From \ to

## Relocations
dash-relocations-note = Relocations are counted only: no person, case or agency of a relocation is shown, because the new town must not leak.
dash-relocations-by-state = Relocations by where they stand
dash-relocation-state = Where it stands
dash-relocations = Relocations
dash-relocation-requested = Requested
dash-relocation-confirmed = Confirmed
dash-relocation-rejected = Declined
dash-relocation-open = Awaiting an answer
dash-relocation-overdue = Not answered within 2 days
dash-relocation-other = Other
