# The views a caseworker works from (cases, due, releases) and the people pages, English.
# Every id here is in every language (a test checks).

## Dates
views-date = { $day } { $month } { $year }
views-month-1 = January
views-month-2 = February
views-month-3 = March
views-month-4 = April
views-month-5 = May
views-month-6 = June
views-month-7 = July
views-month-8 = August
views-month-9 = September
views-month-10 = October
views-month-11 = November
views-month-12 = December

## Deadlines
views-due-today = due today
views-due-in-working-days = { $days ->
    [0] due before the next working day
    [one] due in { $days } working day
   *[other] due in { $days } working days
}
views-overdue-working-days = { $days ->
    [0] overdue (the next working day it is escalated)
    [one] overdue by { $days } working day
   *[other] overdue by { $days } working days
}
views-due-in-days = { $days ->
    [one] due in { $days } day
   *[other] due in { $days } days
}
views-overdue-days = { $days ->
    [one] overdue by { $days } day
   *[other] overdue by { $days } days
}

## Shared columns and words
views-col-case = Case
views-col-person = Person
views-col-message = Message
views-no-person = no person named
views-not-in-register = (not in your register)
views-show = Show
views-from = from { $agency }
views-sent-on = sent by your agency { $when }

## Cases
views-cases-title = Cases
views-cases-lead = The cases your agency takes part in, the most recently active first: who owns each case now, where it stands, and what is due next.
views-only-mine = Only my cases
views-only-mine-hint = Your cases are the ones in which you have sent a message or opened one.
views-cases-caption = Cases your agency takes part in
views-cases-none = Your agency takes part in no case yet.
views-cases-none-mine = You have not sent or opened a message in any case yet.
views-col-owner = Owned by
views-col-state = Where it stands
views-col-last = Last message
views-col-next-due = Next due
views-nothing-due = nothing due
views-state-open = Open
views-state-handover-asked = Open; handover to { $agency } asked, not yet answered
views-state-handed-over = Handed over
views-state-closed = Closed: { $reason }

## Due and overdue
views-due-title = Due and overdue
views-due-lead = What your agency must do, or is waiting for from others, and by when, soonest first. Act before the date: the hub escalates a missed deadline to the coordinator the next working day.
views-due-calendar = Working days follow the calendar of the country of the agency that asked: weekends and public holidays do not count. A relocation is counted in calendar days.
views-due-none = Nothing is due: no handover or relocation request is waiting for an answer.
views-due-caption = Deadlines, soonest first
views-col-due = Due
views-col-todo = What to do
views-do-mark-received = Mark the handover request received
views-do-answer = Accept or reject the handover request
views-do-confirm-relocation = Confirm the relocation
views-await-receipt = Waiting for { $agency } to mark your handover request received
views-await-answer = Waiting for { $agency } to accept or reject your handover request

## Releases
views-releases-title = Releases coming up
views-releases-lead = Releases in the next { $days } days from the release notices your agency has sent or received, soonest first. Plan housing, income and the handover before the day.
views-releases-none = No release in the next 90 days.
views-releases-caption = Releases coming up, soonest first
views-col-release = Expected release
views-col-days-left = Days left
views-col-prison = Prison
views-col-supervision = Supervision
views-col-handover = Handover
views-earliest = earliest { $date }
views-days-left = { $days ->
    [0] today
    [one] { $days } day
   *[other] { $days } days
}
views-to-earliest = (to the earliest release)
views-handover-asked = asked of { $agency } on { $date }
views-handover-none = No handover request yet

## People (the person register)
people-title = People
people-lead = The people your agency knows: entered here, or named in a message whose identity was shared with your agency.
people-search-label = National identity number or name
people-find = Find
people-none-match = Nobody in your agency's register matches “{ $q }”.
people-found-caption = People found
people-col-name = Name
people-col-number = Number
people-col-born = Born
people-enter = Enter a person
people-not-saved = Not saved:
people-country = Country that issued the number
people-choose = Choose…
people-country-dk = Denmark (CPR number)
people-country-no = Norway (fødselsnummer or D-nummer)
people-country-se = Sweden (personnummer or samordningsnummer)
people-number = National identity number
people-name = Name
people-save = Save
people-need-country = Choose the country that issued the number.
people-invalid-number = The national identity number is not valid: { $rule }. Check it against the person's papers.
people-need-name = Write the person's name (at most 200 characters).
people-no-key = This agent cannot name people by number yet: it has no pseudonym key. Please tell your administrator (the agent's setting agent.pseudonym_key_file).
people-back = People
people-born = Born
people-known-since = Known since
people-source-entered = entered by your agency
people-source-shared = shared with your agency in a message
people-cases = Cases
people-no-cases = No case with this person in your agency's messages.
people-case = Case { $case }
people-consent = Consent
people-no-consent = Your agency has sent or received no consent for this person. Sharing with your agency may still rest on a statute.
people-consent-withdrawn = withdrawn
people-consent-in-force = in force as far as your agency knows
people-consent-summary = { $programme }, from { $start } to { $end }, kept by { $custodian }:
people-timeline = Timeline
people-timeline-caption = Messages about this person, newest first
people-no-messages = No messages about this person yet.
people-col-when = When
people-col-message = Message
people-col-from-to = From and to
people-col-state = Where it stands
people-from-to = { $from } to { $to }
people-to-hub = the hub
