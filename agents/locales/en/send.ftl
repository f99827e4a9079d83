# Sending from the page, English. Every id here is in da, nb and sv too (a test checks).

## Sending a release notice
send-release-title = Send a release notice
send-release-intro = Tell the municipality (and, where the person's consent allows, the employment service and others) that a release is coming, early enough to prepare. What you type is checked before it is sent; the hub then checks who may receive what.
send-fix-these = Correct these and send again:
send-person = The person
send-country = Country of the identity number
send-choose = Choose
send-country-dk = Denmark (CPR number)
send-country-no = Norway (national identity number or D number)
send-country-se = Sweden (personal or coordination number)
send-number = National identity number
send-number-hint = As written on the person's papers; it travels sealed, only to agencies that may have it.
send-name = Name (needed the first time this agency names the person)
send-case = Case number
send-case-hint = Your agency's case number for the person, such as KBH-2026-0142.
send-recipients = Send to
send-no-recipients = No other agency has joined the hub yet.
send-expected = Expected release date
send-earliest = Earliest possible release date
send-optional = Optional.
send-supervision = Supervision after release
supervision-none = None
supervision-parole = Parole
supervision-probation = Probation
supervision-community_sentence = Community sentence
send-supervision-until = Supervision until
send-need-not-given = Not given
need-none = No need
need-needs_support = Needs support
need-urgent = Urgent
send-housing = Housing need
send-needs-hint = Housing and income needs reach only agencies whose gateway covers them; the rest get the notice without them.
send-income = Income need
send-officer = Contact officer
send-officer-hint = Whom the receiving agency should call.
send-phone = Contact officer's phone
send-release-button = Send the release notice
send-bad-date = Write the date as year-month-day, such as 2027-03-14.
send-no-pseudonym-key = This agent cannot name people by number: it has no pseudonym key. Tell your administrator.
send-need-number = Write the person's national identity number.
send-bad-number = The national identity number is not valid: { $rule }. Check it against the person's papers.
send-need-country = Choose the country that issued the number.
send-need-case = Write the case number.
send-need-recipient = Choose at least one agency to send it to.
send-need-expected = Write the expected release date.
send-earliest-after-expected = The earliest release date cannot be after the expected one.
send-need-supervision = Choose the supervision after release (or none).
send-need-officer = Write the contact officer's name (at most 200 characters).
send-refused-by-agent = The agent did not accept the message: { $detail }
send-on-its-way = The message is on its way. The hub's answer appears under Sent.

## Sending a handover request
send-handover-title = Hand over a case
send-handover-intro = Ask another agency to take over the person's case. The case stays yours until they accept; they can tell you they received it, and must answer by the date you set, or the hub tells their coordinator.
send-respond-by = Answer by
send-respond-by-hint = Working days count; the hub escalates a request not answered in time.
send-why = Why the case is handed over
send-why-hint = One line, at most 200 characters.
send-plan = The plan so far
send-plan-hint = What has been done and agreed, for the agency taking over (at most 4,000 characters).
send-handover-button = Send the handover request
send-need-respond-by = Write the date by which you need an answer.
send-respond-by-past = The answer date has passed. Choose a date from today on.
send-need-why = Say in one line (at most 200 characters) why the case is handed over.
send-need-plan = Summarise the plan so far (at most 4,000 characters).

## Closing a case
send-closing-title = Close a case
send-closing-intro = Tell the agencies that work with the person that the case is closed, and why. Only the agency that owns the case can close it; the hub refuses it from anyone else.
send-end-reason = Why the case ends
end-reason-completed = The programme is completed
end-reason-dropped_out = The person dropped out
end-reason-transferred = Transferred to another agency
end-reason-consent_withdrawn = The person withdrew their consent
end-reason-deceased = The person has died
send-closing-button = Close the case
send-need-end-reason = Choose why the case ends.

## The send page
send-page-title = Send
send-page-intro = Choose what to send. Each form checks what you type before anything leaves; the hub then checks who may receive what, and the answer shows under Sent in your inbox.
send-release-title-when = From the prison: a release is coming, at the latest 3 months before it.
send-handover-title-when = Ask another agency to take over a case you own.
send-question-title-when = Ask another agency for information about a person.
send-risk-title-when = Share a risk and need assessment's level and top needs.
send-relocation-title-when = Ask another municipality to receive a person who must move for their safety.
send-outcome-title-when = Tell the national contact point how a case ended.
send-closing-title-when = Tell the agencies that a case you own is closed.
send-page-consent = Consent
send-page-consent-when = The person has signed a consent form: record what it allows, and print their copy.
send-purpose = Why you send it
send-purpose-hint = Shared only for this purpose; the person's consent must cover it.
send-need-purpose = Choose why you send it.

## Sending an information request
send-question-title = Ask for information
send-question-intro = Ask another agency a question about the person. They answer what the person's consent lets them share; an answer may be partial.
send-question-button = Send the question
send-categories = What you ask about
send-categories-hint = Tick each kind of information the answer may contain.
send-need-categories = Tick at least one kind of information you ask about.
send-question = Your question
send-question-hint = At most 4,000 characters. Do not write more about the person than the question needs.
send-need-question = Write your question (at most 4,000 characters).

## Sending a risk and need summary
send-risk-title = Share a risk and need summary
send-risk-intro = Share the overall level and the most pressing needs of a structured assessment, such as LS/RNR. Item scores stay with you.
send-risk-button = Send the summary
send-instrument = Assessment instrument
send-instrument-hint = For example LS/RNR.
send-need-instrument = Write which instrument was used (at most 200 characters).
send-assessed = Assessed on
send-need-assessed = Write the day of the assessment.
send-assessed-future = The assessment day cannot be in the future.
send-level = Overall level
send-need-level = Choose the overall level.
send-need-first = Most pressing need
send-need-second = Second need
send-need-third = Third need
send-needs-order-hint = Up to three, most pressing first.
send-need-needs = Choose at least the most pressing need.

## Sending a relocation request
send-relocation-title = Ask for a relocation
send-relocation-intro = Ask another municipality to receive a person who must move for their safety. The destination is sealed on this computer to the receiving municipality alone: the hub, the national contact point and the employment service never see it.
send-relocation-button = Send the relocation request
send-threat = Threat level
send-need-threat = Choose the threat level.
send-needed-by = Needed by
send-needed-by-hint = The receiving municipality must answer within 2 calendar days.
send-need-needed-by = Write the date by which the move is needed.
send-needed-by-past = That date has passed. Choose a date from today on.
send-relocation-needs = Needs at the destination
send-relocation-needs-hint = Housing, support and contacts the person needs (at most 4,000 characters).
send-need-relocation-needs = Describe the needs at the destination (at most 4,000 characters).
send-destination = The destination (sealed)
send-destination-hint = Only the receiving municipality can read this.
send-address = Street address
send-postal-code = Postal code
send-city = Town or city
send-location-notes = Notes for the receiving municipality
send-need-address = Write the street address (at most 200 characters).
send-need-postal-code = Write the postal code.
send-need-city = Write the town or city.
send-long-notes = The notes are too long (at most 4,000 characters).

## Sending an outcome report
send-outcome-title = Report an outcome
send-outcome-intro = Tell the national contact point how the case ended. It sees the person only by pseudonym and counts outcomes in groups, never one person.
send-outcome-button = Send the outcome report
send-ended-on = The case ended on
send-need-ended-on = Write the day the case ended.
send-ended-future = The end day cannot be in the future.
send-not-known-yet = Not known yet
send-yes = Yes
send-no = No
send-no-new-charge = No new serious charge 12 months after the end
send-in-work = In education or a job 3 months after the end
send-follow-up-hint = Leave "Not known yet" until the time has passed; send a new report then.

## What the agent itself refused
send-agent-no-key = An agency you chose has not published its sealing key yet, so what must be sealed cannot be sealed to it. Try again in a while, or tell your administrator if it lasts.
send-agent-nobody-entitled = None of the agencies you chose may receive what must be sealed. Choose the agency the message is for.
send-agent-need-name = Write the person's name: your agency names this person for the first time.
send-bad-number-short = The national identity number is not valid. Check it against the person's papers.

## Answering a received message (information, relocation)
reply-info-title = Answer the question
reply-info-intro = { $from } asks for information about the person. Answer only what the person's consent lets you share; the hub removes what it does not cover.
reply-info-button = Send the answer
reply-info-question = The question
reply-info-answers = Your answer
reply-info-answers-hint = One text per kind of information asked for. Leave empty what you cannot or may not share: the answer is then marked partial.
reply-info-need-answer = Answer at least one of the kinds of information asked for.
reply-info-too-long = Each answer can be at most 4,000 characters.
reply-relocation-title = Confirm the relocation
reply-relocation-intro = { $from } asks your municipality to receive the person. When you confirm, your agency owns the case from the move date, and { $from } no longer sees where the person lives.
reply-relocation-button = Confirm the relocation
reply-relocation-needed-by = Needed by
reply-move-date = Move date
reply-need-move-date = Write the move date.
reply-relocation-recipients = Also tell the police protection unit
reply-new-address = The new address (sealed)
reply-new-address-hint = Optional. Sealed on this computer to the police protection unit alone; the municipality that asked never sees it.
reply-back-to-message = Back to the message
reply-done = Your agency answered on { $when }. The hub's answer shows under Sent in the inbox.
