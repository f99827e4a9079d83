# Visningene en saksbehandler arbeider ut fra (saker, frister, løslatelser) og sidene om personer, bokmål.
# Hver id her finnes på alle språk (en test sjekker det).

## Datoer
views-date = { $day }. { $month } { $year }
views-month-1 = januar
views-month-2 = februar
views-month-3 = mars
views-month-4 = april
views-month-5 = mai
views-month-6 = juni
views-month-7 = juli
views-month-8 = august
views-month-9 = september
views-month-10 = oktober
views-month-11 = november
views-month-12 = desember

## Frister
views-due-today = frist i dag
views-due-in-working-days = { $days ->
    [0] frist før neste arbeidsdag
    [one] frist om { $days } arbeidsdag
   *[other] frist om { $days } arbeidsdager
}
views-overdue-working-days = { $days ->
    [0] fristen er overskredet (eskaleres neste arbeidsdag)
    [one] overskredet med { $days } arbeidsdag
   *[other] overskredet med { $days } arbeidsdager
}
views-due-in-days = { $days ->
    [one] frist om { $days } dag
   *[other] frist om { $days } dager
}
views-overdue-days = { $days ->
    [one] overskredet med { $days } dag
   *[other] overskredet med { $days } dager
}

## Felles kolonner og ord
views-col-case = Sak
views-col-person = Person
views-col-message = Melding
views-no-person = ingen person nevnt
views-not-in-register = (ikke i deres register)
views-show = Vis
views-from = fra { $agency }
views-sent-on = sendt av dere { $when }

## Saker
views-cases-title = Saker
views-cases-lead = Sakene virksomheten deres deltar i, med den sist aktive først: hvem som eier saken nå, hvor den står, og hva som har frist neste gang.
views-only-mine = Bare mine saker
views-only-mine-hint = Dine saker er de der du har sendt eller åpnet en melding.
views-cases-caption = Saker virksomheten deres deltar i
views-cases-none = Virksomheten deres deltar ennå ikke i noen sak.
views-cases-none-mine = Du har ennå ikke sendt eller åpnet en melding i noen sak.
views-col-owner = Eies av
views-col-state = Status
views-col-last = Siste melding
views-col-next-due = Neste frist
views-nothing-due = ingen frist
views-state-open = Åpen
views-state-handover-asked = Åpen; overlevering til { $agency } forespurt, ikke besvart ennå
views-state-handed-over = Overlevert
views-state-closed = Avsluttet: { $reason }

## Frister og oversittelser
views-due-title = Frister
views-due-lead = Det virksomheten deres må gjøre, eller venter på fra andre, og innen når, med den nærmeste fristen først. Handle før datoen: huben eskalerer en oversittet frist til koordinatoren neste arbeidsdag.
views-due-calendar = Arbeidsdager følger kalenderen i landet til virksomheten som spurte: helger og helligdager teller ikke. En flytting telles i kalenderdager.
views-due-none = Ingen frister: ingen forespørsel om overlevering eller flytting venter på svar.
views-due-caption = Frister, den nærmeste først
views-col-due = Frist
views-col-todo = Hva som skal gjøres
views-do-mark-received = Marker forespørselen om overlevering som mottatt
views-do-answer = Godta eller avslå forespørselen om overlevering
views-do-confirm-relocation = Bekreft flyttingen
views-await-receipt = Venter på at { $agency } markerer forespørselen deres om overlevering som mottatt
views-await-answer = Venter på at { $agency } godtar eller avslår forespørselen deres om overlevering

## Løslatelser
views-releases-title = Kommende løslatelser
views-releases-lead = Løslatelser de neste { $days } dagene etter meldingene om løslatelse virksomheten deres har sendt eller mottatt, den nærmeste først. Planlegg bolig, inntekt og overlevering før dagen.
views-releases-none = Ingen løslatelser de neste 90 dagene.
views-releases-caption = Kommende løslatelser, den nærmeste først
views-col-release = Forventet løslatelse
views-col-days-left = Dager igjen
views-col-prison = Fengsel
views-col-supervision = Oppfølging
views-col-handover = Overlevering
views-earliest = tidligst { $date }
views-days-left = { $days ->
    [0] i dag
    [one] { $days } dag
   *[other] { $days } dager
}
views-to-earliest = (til tidligste mulige løslatelse)
views-handover-asked = forespurt hos { $agency } den { $date }
views-handover-none = Ingen forespørsel om overlevering ennå

## Personer (personregisteret)
people-title = Personer
people-lead = Personene virksomheten deres kjenner: registrert her, eller nevnt i en melding der identiteten ble delt med dere.
people-search-label = Fødselsnummer, D-nummer eller navn
people-find = Søk
people-none-match = Ingen i registeret deres samsvarer med “{ $q }”.
people-found-caption = Personer funnet
people-col-name = Navn
people-col-number = Nummer
people-col-born = Født
people-enter = Registrer en person
people-not-saved = Ikke lagret:
people-country = Landet som utstedte nummeret
people-choose = Velg…
people-country-dk = Danmark (CPR-nummer)
people-country-no = Norge (fødselsnummer eller D-nummer)
people-country-se = Sverige (personnummer eller samordningsnummer)
people-number = Fødselsnummer eller tilsvarende
people-name = Navn
people-save = Lagre
people-need-country = Velg landet som utstedte nummeret.
people-invalid-number = Nummeret er ikke gyldig: { $rule }. Sjekk det mot personens papirer.
people-need-name = Skriv personens navn (høyst 200 tegn).
people-no-key = Denne agenten kan ennå ikke finne personer etter nummer: den har ingen pseudonymnøkkel. Si fra til administratoren (agentens innstilling agent.pseudonym_key_file).
people-back = Personer
people-born = Født
people-known-since = Kjent siden
people-source-entered = registrert av virksomheten deres
people-source-shared = delt med dere i en melding
people-cases = Saker
people-no-cases = Ingen sak med denne personen i meldingene deres.
people-case = Sak { $case }
people-consent = Samtykke
people-no-consent = Virksomheten deres har verken sendt eller mottatt et samtykke for denne personen. Deling med dere kan likevel ha hjemmel i lov.
people-consent-withdrawn = trukket tilbake
people-consent-in-force = gjeldende så langt dere vet
people-consent-summary = { $programme }, fra { $start } til { $end }, oppbevart av { $custodian }:
people-timeline = Tidslinje
people-timeline-caption = Meldinger om denne personen, den nyeste først
people-no-messages = Ingen meldinger om denne personen ennå.
people-col-when = Tidspunkt
people-col-message = Melding
people-col-from-to = Fra og til
people-col-state = Status
people-from-to = { $from } til { $to }
people-to-hub = huben
