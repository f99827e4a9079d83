# Visningerne en sagsbehandler arbejder ud fra (sager, frister, løsladelser) og siderne om personer, dansk.
# Hvert id her findes i alle sprog (en test kontrollerer det).

## Datoer
views-date = { $day }. { $month } { $year }
views-month-1 = januar
views-month-2 = februar
views-month-3 = marts
views-month-4 = april
views-month-5 = maj
views-month-6 = juni
views-month-7 = juli
views-month-8 = august
views-month-9 = september
views-month-10 = oktober
views-month-11 = november
views-month-12 = december

## Frister
views-due-today = frist i dag
views-due-in-working-days = { $days ->
    [0] frist før næste arbejdsdag
    [one] frist om { $days } arbejdsdag
   *[other] frist om { $days } arbejdsdage
}
views-overdue-working-days = { $days ->
    [0] fristen er overskredet (eskaleres næste arbejdsdag)
    [one] overskredet med { $days } arbejdsdag
   *[other] overskredet med { $days } arbejdsdage
}
views-due-in-days = { $days ->
    [one] frist om { $days } dag
   *[other] frist om { $days } dage
}
views-overdue-days = { $days ->
    [one] overskredet med { $days } dag
   *[other] overskredet med { $days } dage
}

## Fælles kolonner og ord
views-col-case = Sag
views-col-person = Person
views-col-message = Meddelelse
views-no-person = ingen person nævnt
views-not-in-register = (ikke i jeres register)
views-show = Vis
views-from = fra { $agency }
views-sent-on = sendt af jer { $when }

## Sager
views-cases-title = Sager
views-cases-lead = De sager, jeres myndighed deltager i, med den senest aktive først: hvem der ejer sagen nu, hvor den står, og hvad der har frist næste gang.
views-only-mine = Kun mine sager
views-only-mine-hint = Dine sager er dem, hvor du har sendt eller åbnet en meddelelse.
views-cases-caption = Sager, jeres myndighed deltager i
views-cases-none = Jeres myndighed deltager endnu ikke i nogen sag.
views-cases-none-mine = Du har endnu ikke sendt eller åbnet en meddelelse i nogen sag.
views-col-owner = Ejes af
views-col-state = Status
views-col-last = Seneste meddelelse
views-col-next-due = Næste frist
views-nothing-due = ingen frist
views-state-open = Åben
views-state-handover-asked = Åben; overdragelse til { $agency } anmodet, endnu ikke besvaret
views-state-handed-over = Overdraget
views-state-closed = Lukket: { $reason }

## Frister og overskridelser
views-due-title = Frister
views-due-lead = Det jeres myndighed skal gøre, eller venter på fra andre, og hvornår, med den nærmeste frist først. Handl før datoen: hubben eskalerer en overskredet frist til koordinatoren næste arbejdsdag.
views-due-calendar = Arbejdsdage følger kalenderen i landet for den myndighed, der har anmodet: weekender og helligdage tæller ikke med. En flytning tælles i kalenderdage.
views-due-none = Ingen frister: ingen anmodning om overdragelse eller flytning venter på svar.
views-due-caption = Frister, den nærmeste først
views-col-due = Frist
views-col-todo = Hvad der skal gøres
views-do-mark-received = Markér anmodningen om overdragelse som modtaget
views-do-answer = Acceptér eller afvis anmodningen om overdragelse
views-do-confirm-relocation = Bekræft flytningen
views-await-receipt = Venter på, at { $agency } markerer jeres anmodning om overdragelse som modtaget
views-await-answer = Venter på, at { $agency } accepterer eller afviser jeres anmodning om overdragelse

## Løsladelser
views-releases-title = Kommende løsladelser
views-releases-lead = Løsladelser inden for de næste { $days } dage ifølge de løsladelsesmeddelelser, jeres myndighed har sendt eller modtaget, den nærmeste først. Planlæg bolig, forsørgelse og overdragelse inden dagen.
views-releases-none = Ingen løsladelser inden for de næste 90 dage.
views-releases-caption = Kommende løsladelser, den nærmeste først
views-col-release = Forventet løsladelse
views-col-days-left = Dage tilbage
views-col-prison = Fængsel
views-col-supervision = Tilsyn
views-col-handover = Overdragelse
views-earliest = tidligst { $date }
views-days-left = { $days ->
    [0] i dag
    [one] { $days } dag
   *[other] { $days } dage
}
views-to-earliest = (til tidligst mulige løsladelse)
views-handover-asked = anmodet hos { $agency } den { $date }
views-handover-none = Ingen anmodning om overdragelse endnu

## Personer (personregistret)
people-title = Personer
people-lead = De personer, jeres myndighed kender: registreret her, eller nævnt i en meddelelse, hvor identiteten blev delt med jer.
people-search-label = CPR-nummer, personnummer eller navn
people-find = Søg
people-none-match = Ingen i jeres register matcher “{ $q }”.
people-found-caption = Fundne personer
people-col-name = Navn
people-col-number = Nummer
people-col-born = Født
people-enter = Registrér en person
people-not-saved = Ikke gemt:
people-country = Landet, der har udstedt nummeret
people-choose = Vælg…
people-country-dk = Danmark (CPR-nummer)
people-country-no = Norge (fødselsnummer eller D-nummer)
people-country-se = Sverige (personnummer eller samordningsnummer)
people-number = Personnummer (CPR eller tilsvarende)
people-name = Navn
people-save = Gem
people-need-country = Vælg det land, der har udstedt nummeret.
people-invalid-number = Nummeret er ikke gyldigt: { $rule }. Tjek det mod personens papirer.
people-need-name = Skriv personens navn (højst 200 tegn).
people-no-key = Denne agent kan endnu ikke finde personer ud fra nummer: den har ingen pseudonymnøgle. Kontakt jeres administrator (agentens indstilling agent.pseudonym_key_file).
people-back = Personer
people-born = Født
people-known-since = Kendt siden
people-source-entered = registreret af jeres myndighed
people-source-shared = delt med jer i en meddelelse
people-cases = Sager
people-no-cases = Ingen sag med denne person i jeres meddelelser.
people-case = Sag { $case }
people-consent = Samtykke
people-no-consent = Jeres myndighed har hverken sendt eller modtaget et samtykke for denne person. Deling med jer kan stadig have hjemmel i lov.
people-consent-withdrawn = trukket tilbage
people-consent-in-force = gældende, så vidt I ved
people-consent-summary = { $programme }, fra { $start } til { $end }, opbevaret af { $custodian }:
people-timeline = Tidslinje
people-timeline-caption = Meddelelser om denne person, den nyeste først
people-no-messages = Endnu ingen meddelelser om denne person.
people-col-when = Tidspunkt
people-col-message = Meddelelse
people-col-from-to = Fra og til
people-col-state = Status
people-from-to = { $from } til { $to }
people-to-hub = hubben
