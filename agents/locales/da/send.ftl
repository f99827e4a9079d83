# Afsendelse fra siden, dansk.

## Send en løsladelsesmeddelelse
send-release-title = Send en løsladelsesmeddelelse
send-release-intro = Giv kommunen (og, hvor personens samtykke tillader det, jobcentret og andre) besked om en kommende løsladelse i så god tid, at de kan forberede sig. Det, du skriver, kontrolleres, før det sendes; derefter kontrollerer hubben, hvem der må modtage hvad.
send-fix-these = Ret dette og send igen:
send-person = Personen
send-country = Land, der har udstedt nummeret
send-choose = Vælg
send-country-dk = Danmark (CPR-nummer)
send-country-no = Norge (fødselsnummer eller D-nummer)
send-country-se = Sverige (personnummer eller samordningsnummer)
send-number = Personnummer
send-number-hint = Som det står i personens papirer; det sendes forseglet og kun til myndigheder, der må have det.
send-name = Navn (skal udfyldes første gang, myndigheden nævner personen)
send-case = Sagsnummer
send-case-hint = Jeres sagsnummer for personen, fx KBH-2026-0142.
send-recipients = Send til
send-no-recipients = Ingen andre myndigheder er endnu koblet på hubben.
send-expected = Forventet løsladelsesdato
send-earliest = Tidligst mulige løsladelsesdato
send-optional = Valgfrit.
send-supervision = Tilsyn efter løsladelse
supervision-none = Intet
supervision-parole = Prøveløsladelse med tilsyn
supervision-probation = Betinget dom med tilsyn
supervision-community_sentence = Samfundstjeneste
send-supervision-until = Tilsyn indtil
send-need-not-given = Ikke angivet
need-none = Intet behov
need-needs_support = Har brug for støtte
need-urgent = Akut
send-housing = Behov for bolig
send-needs-hint = Behov for bolig og forsørgelse når kun myndigheder, hvis hjemmel dækker dem; de øvrige får meddelelsen uden.
send-income = Behov for forsørgelse
send-officer = Kontaktperson
send-officer-hint = Hvem den modtagende myndighed skal ringe til.
send-phone = Kontaktpersonens telefon
send-release-button = Send løsladelsesmeddelelsen
send-bad-date = Skriv datoen som år-måned-dag, fx 2027-03-14.
send-no-pseudonym-key = Agenten kan ikke angive personer ved nummer: den har ingen pseudonymnøgle. Sig det til din administrator.
send-need-number = Skriv personens personnummer.
send-bad-number = Personnummeret er ikke gyldigt: { $rule }. Kontrollér det mod personens papirer.
send-need-country = Vælg det land, der har udstedt nummeret.
send-need-case = Skriv sagsnummeret.
send-need-recipient = Vælg mindst én myndighed at sende til.
send-need-expected = Skriv den forventede løsladelsesdato.
send-earliest-after-expected = Den tidligste løsladelsesdato kan ikke ligge efter den forventede.
send-need-supervision = Vælg tilsynet efter løsladelsen (eller intet).
send-need-officer = Skriv kontaktpersonens navn (højst 200 tegn).
send-refused-by-agent = Agenten tog ikke imod meddelelsen: { $detail }
send-on-its-way = Meddelelsen er på vej. Hubbens svar vises under Sendt.

## Send en anmodning om overdragelse
send-handover-title = Overdrag en sag
send-handover-intro = Bed en anden myndighed om at overtage personens sag. Sagen er jeres, indtil de accepterer; de kan give besked om, at de har modtaget den, og skal svare inden den dato, I sætter, ellers får deres koordinator besked fra hubben.
send-respond-by = Svar senest
send-respond-by-hint = Der regnes i arbejdsdage; hubben eskalerer en anmodning, der ikke besvares i tide.
send-why = Hvorfor sagen overdrages
send-why-hint = Én linje, højst 200 tegn.
send-plan = Planen indtil nu
send-plan-hint = Hvad der er gjort og aftalt, til den myndighed, der overtager (højst 4.000 tegn).
send-handover-button = Send anmodningen om overdragelse
send-need-respond-by = Skriv den dato, I senest skal have svar.
send-respond-by-past = Svarfristen er overskredet. Vælg en dato fra i dag.
send-need-why = Skriv på én linje (højst 200 tegn), hvorfor sagen overdrages.
send-need-plan = Sammenfat planen indtil nu (højst 4.000 tegn).

## Afslut en sag
send-closing-title = Afslut en sag
send-closing-intro = Giv de myndigheder, der arbejder med personen, besked om, at sagen er afsluttet, og hvorfor. Kun den myndighed, der ejer sagen, kan afslutte den; hubben afviser det fra alle andre.
send-end-reason = Hvorfor sagen slutter
end-reason-completed = Forløbet er gennemført
end-reason-dropped_out = Personen er faldet fra
end-reason-transferred = Overdraget til en anden myndighed
end-reason-consent_withdrawn = Personen har trukket sit samtykke tilbage
end-reason-deceased = Personen er død
send-closing-button = Afslut sagen
send-need-end-reason = Vælg, hvorfor sagen slutter.

## Send-siden
send-page-title = Send
send-page-intro = Vælg, hvad du vil sende. Hver formular tjekker det, du skriver, før noget sendes; hubben tjekker derefter, hvem der må modtage hvad, og svaret vises under Sendt i din indbakke.
send-release-title-when = Fra fængslet: en løsladelse nærmer sig, senest 3 måneder før.
send-handover-title-when = Bed en anden myndighed om at overtage en sag, du ejer.
send-question-title-when = Spørg en anden myndighed om oplysninger om en person.
send-risk-title-when = Del niveauet og de vigtigste behov fra en risiko- og behovsvurdering.
send-relocation-title-when = Bed en anden kommune om at modtage en person, der skal flytte af sikkerhedshensyn.
send-outcome-title-when = Fortæl det nationale kontaktpunkt, hvordan en sag endte.
send-closing-title-when = Fortæl myndighederne, at en sag, du ejer, er afsluttet.
send-page-consent = Samtykke
send-page-consent-when = Personen har underskrevet en samtykkeblanket: registrér, hvad den tillader, og udskriv personens kopi.
send-purpose = Formål
send-purpose-hint = Deles kun til dette formål; personens samtykke skal dække det.
send-need-purpose = Vælg formålet.

## Send en anmodning om oplysninger
send-question-title = Anmod om oplysninger
send-question-intro = Stil en anden myndighed et spørgsmål om personen. De svarer med det, personens samtykke tillader dem at dele; et svar kan være delvist.
send-question-button = Send spørgsmålet
send-categories = Hvad du spørger om
send-categories-hint = Sæt kryds ved hver slags oplysning, svaret må indeholde.
send-need-categories = Sæt kryds ved mindst én slags oplysning, du spørger om.
send-question = Dit spørgsmål
send-question-hint = Højst 4.000 tegn. Skriv ikke mere om personen, end spørgsmålet kræver.
send-need-question = Skriv dit spørgsmål (højst 4.000 tegn).

## Send en risiko- og behovsvurdering
send-risk-title = Del en risiko- og behovsvurdering
send-risk-intro = Del det samlede niveau og de vigtigste behov fra en struktureret vurdering, fx LS/RNR. Scorerne på de enkelte punkter bliver hos dig.
send-risk-button = Send vurderingen
send-instrument = Vurderingsredskab
send-instrument-hint = Fx LS/RNR.
send-need-instrument = Skriv, hvilket redskab der blev brugt (højst 200 tegn).
send-assessed = Vurderet den
send-need-assessed = Skriv datoen for vurderingen.
send-assessed-future = Vurderingsdatoen kan ikke ligge i fremtiden.
send-level = Samlet niveau
send-need-level = Vælg det samlede niveau.
send-need-first = Vigtigste behov
send-need-second = Næstvigtigste behov
send-need-third = Tredje behov
send-needs-order-hint = Op til tre, det vigtigste først.
send-need-needs = Vælg mindst det vigtigste behov.

## Send en anmodning om flytning
send-relocation-title = Anmod om flytning
send-relocation-intro = Bed en anden kommune om at modtage en person, der skal flytte af sikkerhedshensyn. Bestemmelsesstedet forsegles på denne computer, så kun den modtagende kommune kan læse det: hubben, det nationale kontaktpunkt og jobcentret ser det aldrig.
send-relocation-button = Send anmodningen om flytning
send-threat = Trusselsniveau
send-need-threat = Vælg trusselsniveauet.
send-needed-by = Skal ske senest
send-needed-by-hint = Den modtagende kommune skal svare inden for 2 kalenderdage.
send-need-needed-by = Skriv den dato, flytningen senest skal ske.
send-needed-by-past = Datoen er passeret. Vælg en dato fra i dag.
send-relocation-needs = Behov på det nye sted
send-relocation-needs-hint = Bolig, støtte og kontakter, personen har brug for (højst 4.000 tegn).
send-need-relocation-needs = Beskriv behovene på det nye sted (højst 4.000 tegn).
send-destination = Bestemmelsesstedet (forseglet)
send-destination-hint = Kun den modtagende kommune kan læse dette.
send-address = Adresse
send-postal-code = Postnummer
send-city = By
send-location-notes = Bemærkninger til den modtagende kommune
send-need-address = Skriv adressen (højst 200 tegn).
send-need-postal-code = Skriv postnummeret.
send-need-city = Skriv byen.
send-long-notes = Bemærkningerne er for lange (højst 4.000 tegn).

## Send en resultatrapport
send-outcome-title = Indberet et resultat
send-outcome-intro = Fortæl det nationale kontaktpunkt, hvordan sagen endte. Kontaktpunktet ser kun personen under pseudonym og tæller resultater i grupper, aldrig én person.
send-outcome-button = Send resultatrapporten
send-ended-on = Sagen sluttede den
send-need-ended-on = Skriv datoen, sagen sluttede.
send-ended-future = Slutdatoen kan ikke ligge i fremtiden.
send-not-known-yet = Endnu ikke kendt
send-yes = Ja
send-no = Nej
send-no-new-charge = Ingen ny alvorlig sigtelse 12 måneder efter
send-in-work = I uddannelse eller job 3 måneder efter
send-follow-up-hint = Vælg "Endnu ikke kendt", indtil tiden er gået; send så en ny rapport.

## What the agent itself refused
send-agent-no-key = En myndighed, du har valgt, har endnu ikke offentliggjort sin forseglingsnøgle, så det, der skal forsegles, kan ikke forsegles til den. Prøv igen om lidt, eller kontakt din administrator, hvis det varer ved.
send-agent-nobody-entitled = Ingen af de myndigheder, du har valgt, må modtage det, der skal forsegles. Vælg den myndighed, meddelelsen er til.
send-agent-need-name = Skriv personens navn: din myndighed nævner personen for første gang.
send-bad-number-short = Personnummeret er ikke gyldigt. Tjek det mod personens papirer.

## Answering a received message (information, relocation)
reply-info-title = Besvar spørgsmålet
reply-info-intro = { $from } beder om oplysninger om personen. Svar kun med det, personens samtykke tillader dig at dele; hubben fjerner det, samtykket ikke dækker.
reply-info-button = Send svaret
reply-info-question = Spørgsmålet
reply-info-answers = Dit svar
reply-info-answers-hint = Én tekst pr. slags oplysning, der spørges om. Lad det stå tomt, som du ikke kan eller må dele: svaret markeres så som delvist.
reply-info-need-answer = Besvar mindst én af de slags oplysninger, der spørges om.
reply-info-too-long = Hvert svar må højst være på 4.000 tegn.
reply-relocation-title = Bekræft flytningen
reply-relocation-intro = { $from } beder din kommune om at modtage personen. Når du bekræfter, ejer din myndighed sagen fra flyttedatoen, og { $from } kan ikke længere se, hvor personen bor.
reply-relocation-button = Bekræft flytningen
reply-relocation-needed-by = Skal ske senest
reply-move-date = Flyttedato
reply-need-move-date = Skriv flyttedatoen.
reply-relocation-recipients = Giv også politiets beskyttelsesenhed besked
reply-new-address = Den nye adresse (forseglet)
reply-new-address-hint = Valgfrit. Forsegles på denne computer, så kun politiets beskyttelsesenhed kan læse den; kommunen, der spurgte, ser den aldrig.
reply-back-to-message = Tilbage til meddelelsen
reply-done = Din myndighed svarede { $when }. Hubbens svar vises under Sendt i indbakken.
