# Sending fra siden, norsk bokmål.

## Send en melding om løslatelse
send-release-title = Send en melding om løslatelse
send-release-intro = Gi kommunen (og, der personens samtykke tillater det, NAV og andre) beskjed om en kommende løslatelse tidlig nok til at de kan forberede seg. Det du skriver, kontrolleres før det sendes; deretter kontrollerer huben hvem som kan motta hva.
send-fix-these = Rett dette og send på nytt:
send-person = Personen
send-country = Land som har utstedt nummeret
send-choose = Velg
send-country-dk = Danmark (CPR-nummer)
send-country-no = Norge (fødselsnummer eller D-nummer)
send-country-se = Sverige (personnummer eller samordningsnummer)
send-number = Fødselsnummer
send-number-hint = Slik det står i personens papirer; det sendes forseglet og bare til virksomheter som kan ha det.
send-name = Navn (må fylles ut første gang virksomheten nevner personen)
send-case = Saksnummer
send-case-hint = Virksomhetens saksnummer for personen, for eksempel OSL-2026-0142.
send-recipients = Send til
send-no-recipients = Ingen andre virksomheter er koblet til huben ennå.
send-expected = Forventet løslatelsesdato
send-earliest = Tidligst mulige løslatelsesdato
send-optional = Valgfritt.
send-supervision = Oppfølging etter løslatelse
supervision-none = Ingen
supervision-parole = Prøveløslatelse
supervision-probation = Betinget dom med tilsyn
supervision-community_sentence = Samfunnsstraff
send-supervision-until = Oppfølging til
send-need-not-given = Ikke oppgitt
need-none = Ikke behov
need-needs_support = Trenger støtte
need-urgent = Akutt
send-housing = Behov for bolig
send-needs-hint = Behov for bolig og inntekt når bare virksomheter med hjemmel for dem; de andre får meldingen uten.
send-income = Behov for inntekt
send-officer = Kontaktperson
send-officer-hint = Hvem mottakeren skal ringe.
send-phone = Kontaktpersonens telefon
send-release-button = Send meldingen om løslatelse
send-bad-date = Skriv datoen som år-måned-dag, for eksempel 2027-03-14.
send-no-pseudonym-key = Agenten kan ikke angi personer med nummer: den har ingen pseudonymnøkkel. Si fra til administratoren.
send-need-number = Skriv personens fødselsnummer.
send-bad-number = Fødselsnummeret er ikke gyldig: { $rule }. Kontroller det mot personens papirer.
send-need-country = Velg landet som har utstedt nummeret.
send-need-case = Skriv saksnummeret.
send-need-recipient = Velg minst én virksomhet å sende til.
send-need-expected = Skriv forventet løslatelsesdato.
send-earliest-after-expected = Den tidligste løslatelsesdatoen kan ikke være etter den forventede.
send-need-supervision = Velg oppfølgingen etter løslatelsen (eller ingen).
send-need-officer = Skriv kontaktpersonens navn (høyst 200 tegn).
send-refused-by-agent = Agenten tok ikke imot meldingen: { $detail }
send-on-its-way = Meldingen er på vei. Hubens svar vises under Sendt.

## Send en forespørsel om overlevering
send-handover-title = Overlever en sak
send-handover-intro = Be en annen virksomhet om å overta personens sak. Saken er deres til de aksepterer; de kan gi beskjed om at de har mottatt den, og må svare innen datoen dere setter, ellers gir huben beskjed til koordinatoren deres.
send-respond-by = Svar innen
send-respond-by-hint = Det regnes i arbeidsdager; huben eskalerer en forespørsel som ikke besvares i tide.
send-why = Hvorfor saken overleveres
send-why-hint = Én linje, høyst 200 tegn.
send-plan = Planen så langt
send-plan-hint = Hva som er gjort og avtalt, for virksomheten som overtar (høyst 4 000 tegn).
send-handover-button = Send forespørselen om overlevering
send-need-respond-by = Skriv datoen dere senest trenger svar.
send-respond-by-past = Svarfristen er passert. Velg en dato fra i dag.
send-need-why = Skriv på én linje (høyst 200 tegn) hvorfor saken overleveres.
send-need-plan = Oppsummer planen så langt (høyst 4 000 tegn).

## Avslutt en sak
send-closing-title = Avslutt en sak
send-closing-intro = Gi virksomhetene som arbeider med personen, beskjed om at saken er avsluttet, og hvorfor. Bare virksomheten som eier saken, kan avslutte den; huben avviser det fra alle andre.
send-end-reason = Hvorfor saken avsluttes
end-reason-completed = Programmet er gjennomført
end-reason-dropped_out = Personen har falt fra
end-reason-transferred = Overlevert til en annen virksomhet
end-reason-consent_withdrawn = Personen har trukket tilbake samtykket
end-reason-deceased = Personen er død
send-closing-button = Avslutt saken
send-need-end-reason = Velg hvorfor saken avsluttes.

## Sendesiden
send-page-title = Send
send-page-intro = Velg hva du vil sende. Hvert skjema sjekker det du skriver før noe sendes; huben sjekker deretter hvem som kan motta hva, og svaret vises under Sendt i innboksen din.
send-release-title-when = Fra fengselet: en løslatelse nærmer seg, senest 3 måneder før.
send-handover-title-when = Be en annen etat overta en sak du eier.
send-question-title-when = Spør en annen etat om opplysninger om en person.
send-risk-title-when = Del nivået og de viktigste behovene fra en risiko- og behovsvurdering.
send-relocation-title-when = Be en annen kommune ta imot en person som må flytte av sikkerhetshensyn.
send-outcome-title-when = Fortell det nasjonale kontaktpunktet hvordan en sak endte.
send-closing-title-when = Fortell etatene at en sak du eier, er avsluttet.
send-page-consent = Samtykke
send-page-consent-when = Personen har skrevet under på et samtykkeskjema: registrer hva det tillater, og skriv ut personens kopi.
send-purpose = Formål
send-purpose-hint = Deles bare for dette formålet; personens samtykke må dekke det.
send-need-purpose = Velg formålet.

## Send en forespørsel om opplysninger
send-question-title = Be om opplysninger
send-question-intro = Still en annen etat et spørsmål om personen. De svarer med det personens samtykke lar dem dele; et svar kan være delvis.
send-question-button = Send spørsmålet
send-categories = Hva du spør om
send-categories-hint = Kryss av for hver type opplysning svaret kan inneholde.
send-need-categories = Kryss av for minst én type opplysning du spør om.
send-question = Spørsmålet ditt
send-question-hint = Høyst 4 000 tegn. Ikke skriv mer om personen enn spørsmålet krever.
send-need-question = Skriv spørsmålet ditt (høyst 4 000 tegn).

## Send en risiko- og behovsvurdering
send-risk-title = Del en risiko- og behovsvurdering
send-risk-intro = Del det samlede nivået og de viktigste behovene fra en strukturert vurdering, for eksempel LS/RNR. Skårene på de enkelte punktene blir hos deg.
send-risk-button = Send vurderingen
send-instrument = Vurderingsverktøy
send-instrument-hint = For eksempel LS/RNR.
send-need-instrument = Skriv hvilket verktøy som ble brukt (høyst 200 tegn).
send-assessed = Vurdert den
send-need-assessed = Skriv datoen for vurderingen.
send-assessed-future = Vurderingsdatoen kan ikke være fram i tid.
send-level = Samlet nivå
send-need-level = Velg det samlede nivået.
send-need-first = Viktigste behov
send-need-second = Nest viktigste behov
send-need-third = Tredje behov
send-needs-order-hint = Opptil tre, det viktigste først.
send-need-needs = Velg minst det viktigste behovet.

## Send en forespørsel om flytting
send-relocation-title = Be om flytting
send-relocation-intro = Be en annen kommune ta imot en person som må flytte av sikkerhetshensyn. Bestemmelsesstedet forsegles på denne datamaskinen slik at bare den mottakende kommunen kan lese det: huben, det nasjonale kontaktpunktet og NAV ser det aldri.
send-relocation-button = Send forespørselen om flytting
send-threat = Trusselnivå
send-need-threat = Velg trusselnivået.
send-needed-by = Må skje senest
send-needed-by-hint = Den mottakende kommunen må svare innen 2 kalenderdager.
send-need-needed-by = Skriv datoen flyttingen senest må skje.
send-needed-by-past = Datoen er passert. Velg en dato fra i dag.
send-relocation-needs = Behov på det nye stedet
send-relocation-needs-hint = Bolig, støtte og kontakter personen trenger (høyst 4 000 tegn).
send-need-relocation-needs = Beskriv behovene på det nye stedet (høyst 4 000 tegn).
send-destination = Bestemmelsesstedet (forseglet)
send-destination-hint = Bare den mottakende kommunen kan lese dette.
send-address = Adresse
send-postal-code = Postnummer
send-city = Poststed
send-location-notes = Merknader til den mottakende kommunen
send-need-address = Skriv adressen (høyst 200 tegn).
send-need-postal-code = Skriv postnummeret.
send-need-city = Skriv poststedet.
send-long-notes = Merknadene er for lange (høyst 4 000 tegn).

## Send en resultatrapport
send-outcome-title = Rapporter et resultat
send-outcome-intro = Fortell det nasjonale kontaktpunktet hvordan saken endte. Kontaktpunktet ser personen bare under pseudonym og teller resultater i grupper, aldri én person.
send-outcome-button = Send resultatrapporten
send-ended-on = Saken endte
send-need-ended-on = Skriv datoen saken endte.
send-ended-future = Sluttdatoen kan ikke være fram i tid.
send-not-known-yet = Ikke kjent ennå
send-yes = Ja
send-no = Nei
send-no-new-charge = Ingen ny alvorlig siktelse 12 måneder etter
send-in-work = I utdanning eller jobb 3 måneder etter
send-follow-up-hint = Velg «Ikke kjent ennå» til tiden har gått; send da en ny rapport.

## What the agent itself refused
send-agent-no-key = En etat du har valgt, har ennå ikke publisert forseglingsnøkkelen sin, så det som skal forsegles, kan ikke forsegles til den. Prøv igjen om litt, eller kontakt administratoren din hvis det varer.
send-agent-nobody-entitled = Ingen av etatene du har valgt, kan motta det som skal forsegles. Velg etaten meldingen er til.
send-agent-need-name = Skriv personens navn: etaten din nevner personen for første gang.
send-bad-number-short = Fødselsnummeret er ikke gyldig. Sjekk det mot personens papirer.

## Answering a received message (information, relocation)
reply-info-title = Svar på spørsmålet
reply-info-intro = { $from } ber om opplysninger om personen. Svar bare med det personens samtykke lar deg dele; huben fjerner det samtykket ikke dekker.
reply-info-button = Send svaret
reply-info-question = Spørsmålet
reply-info-answers = Svaret ditt
reply-info-answers-hint = Én tekst per type opplysning det spørres om. La det stå tomt som du ikke kan eller får dele: svaret merkes da som delvis.
reply-info-need-answer = Svar på minst én av typene opplysninger det spørres om.
reply-info-too-long = Hvert svar kan være på høyst 4 000 tegn.
reply-relocation-title = Bekreft flyttingen
reply-relocation-intro = { $from } ber kommunen din ta imot personen. Når du bekrefter, eier etaten din saken fra flyttedatoen, og { $from } ser ikke lenger hvor personen bor.
reply-relocation-button = Bekreft flyttingen
reply-relocation-needed-by = Må skje senest
reply-move-date = Flyttedato
reply-need-move-date = Skriv flyttedatoen.
reply-relocation-recipients = Gi også politiets beskyttelsesenhet beskjed
reply-new-address = Den nye adressen (forseglet)
reply-new-address-hint = Valgfritt. Forsegles på denne datamaskinen slik at bare politiets beskyttelsesenhet kan lese den; kommunen som spurte, ser den aldri.
reply-back-to-message = Tilbake til meldingen
reply-done = Etaten din svarte { $when }. Hubens svar vises under Sendt i innboksen.
