# Vyerna en handläggare arbetar utifrån (ärenden, tidsfrister, frigivningar) och sidorna om personer, svenska.
# Varje id här finns på alla språk (ett test kontrollerar det).

## Datum
views-date = { $day } { $month } { $year }
views-month-1 = januari
views-month-2 = februari
views-month-3 = mars
views-month-4 = april
views-month-5 = maj
views-month-6 = juni
views-month-7 = juli
views-month-8 = augusti
views-month-9 = september
views-month-10 = oktober
views-month-11 = november
views-month-12 = december

## Tidsfrister
views-due-today = sista dag i dag
views-due-in-working-days = { $days ->
    [0] senast före nästa arbetsdag
    [one] om { $days } arbetsdag
   *[other] om { $days } arbetsdagar
}
views-overdue-working-days = { $days ->
    [0] försenad (eskaleras nästa arbetsdag)
    [one] försenad med { $days } arbetsdag
   *[other] försenad med { $days } arbetsdagar
}
views-due-in-days = { $days ->
    [one] om { $days } dag
   *[other] om { $days } dagar
}
views-overdue-days = { $days ->
    [one] försenad med { $days } dag
   *[other] försenad med { $days } dagar
}

## Gemensamma kolumner och ord
views-col-case = Ärende
views-col-person = Person
views-col-message = Meddelande
views-no-person = ingen person angiven
views-not-in-register = (inte i ert register)
views-show = Visa
views-from = från { $agency }
views-sent-on = skickat av er { $when }

## Ärenden
views-cases-title = Ärenden
views-cases-lead = De ärenden er myndighet deltar i, det senast aktiva först: vem som äger ärendet nu, var det står och vad som har nästa tidsfrist.
views-only-mine = Bara mina ärenden
views-only-mine-hint = Dina ärenden är de där du har skickat eller öppnat ett meddelande.
views-cases-caption = Ärenden er myndighet deltar i
views-cases-none = Er myndighet deltar ännu inte i något ärende.
views-cases-none-mine = Du har ännu inte skickat eller öppnat ett meddelande i något ärende.
views-col-owner = Ägs av
views-col-state = Läge
views-col-last = Senaste meddelande
views-col-next-due = Nästa tidsfrist
views-nothing-due = ingen tidsfrist
views-state-open = Öppet
views-state-handover-asked = Öppet; överlämning till { $agency } begärd, ännu inte besvarad
views-state-handed-over = Överlämnat
views-state-closed = Avslutat: { $reason }

## Tidsfrister och förseningar
views-due-title = Tidsfrister
views-due-lead = Det er myndighet ska göra, eller väntar på från andra, och senast när, den närmaste först. Agera före datumet: hubben eskalerar en missad tidsfrist till samordnaren nästa arbetsdag.
views-due-calendar = Arbetsdagar följer kalendern i landet för den myndighet som frågade: helger och helgdagar räknas inte. En omflyttning räknas i kalenderdagar.
views-due-none = Inga tidsfrister: ingen begäran om överlämning eller omflyttning väntar på svar.
views-due-caption = Tidsfrister, den närmaste först
views-col-due = Senast
views-col-todo = Vad som ska göras
views-do-mark-received = Markera begäran om överlämning som mottagen
views-do-answer = Godta eller avslå begäran om överlämning
views-do-confirm-relocation = Bekräfta omflyttningen
views-await-receipt = Väntar på att { $agency } markerar er begäran om överlämning som mottagen
views-await-answer = Väntar på att { $agency } godtar eller avslår er begäran om överlämning

## Frigivningar
views-releases-title = Kommande frigivningar
views-releases-lead = Frigivningar de närmaste { $days } dagarna enligt de meddelanden om frigivning er myndighet har skickat eller tagit emot, den närmaste först. Planera boende, försörjning och överlämning före dagen.
views-releases-none = Inga frigivningar de närmaste 90 dagarna.
views-releases-caption = Kommande frigivningar, den närmaste först
views-col-release = Beräknad frigivning
views-col-days-left = Dagar kvar
views-col-prison = Anstalt
views-col-supervision = Övervakning
views-col-handover = Överlämning
views-earliest = tidigast { $date }
views-days-left = { $days ->
    [0] i dag
    [one] { $days } dag
   *[other] { $days } dagar
}
views-to-earliest = (till tidigast möjliga frigivning)
views-handover-asked = begärd hos { $agency } den { $date }
views-handover-none = Ingen begäran om överlämning ännu

## Personer (personregistret)
people-title = Personer
people-lead = De personer er myndighet känner till: registrerade här, eller nämnda i ett meddelande där identiteten delades med er.
people-search-label = Personnummer, samordningsnummer eller namn
people-find = Sök
people-none-match = Ingen i ert register matchar “{ $q }”.
people-found-caption = Funna personer
people-col-name = Namn
people-col-number = Nummer
people-col-born = Född
people-enter = Registrera en person
people-not-saved = Inte sparat:
people-country = Landet som utfärdade numret
people-choose = Välj…
people-country-dk = Danmark (CPR-nummer)
people-country-no = Norge (fødselsnummer eller D-nummer)
people-country-se = Sverige (personnummer eller samordningsnummer)
people-number = Personnummer eller motsvarande
people-name = Namn
people-save = Spara
people-need-country = Välj landet som utfärdade numret.
people-invalid-number = Numret är inte giltigt: { $rule }. Kontrollera det mot personens handlingar.
people-need-name = Skriv personens namn (högst 200 tecken).
people-no-key = Den här agenten kan ännu inte hitta personer efter nummer: den har ingen pseudonymnyckel. Kontakta er administratör (agentens inställning agent.pseudonym_key_file).
people-back = Personer
people-born = Född
people-known-since = Känd sedan
people-source-entered = registrerad av er myndighet
people-source-shared = delad med er i ett meddelande
people-cases = Ärenden
people-no-cases = Inget ärende med den här personen i era meddelanden.
people-case = Ärende { $case }
people-consent = Samtycke
people-no-consent = Er myndighet har varken skickat eller tagit emot något samtycke för den här personen. Delning med er kan ändå ha stöd i lag.
people-consent-withdrawn = återkallat
people-consent-in-force = gällande såvitt ni vet
people-consent-summary = { $programme }, från { $start } till { $end }, förvaras av { $custodian }:
people-timeline = Tidslinje
people-timeline-caption = Meddelanden om den här personen, det senaste först
people-no-messages = Inga meddelanden om den här personen ännu.
people-col-when = Tidpunkt
people-col-message = Meddelande
people-col-from-to = Från och till
people-col-state = Läge
people-from-to = { $from } till { $to }
people-to-hub = hubben
