# Skicka från sidan, svenska.

## Skicka ett meddelande om frigivning
send-release-title = Skicka ett meddelande om frigivning
send-release-intro = Meddela kommunen (och, där personens samtycke tillåter det, Arbetsförmedlingen och andra) att en frigivning närmar sig, i så god tid att de kan förbereda sig. Det du skriver kontrolleras innan det skickas; sedan kontrollerar hubben vem som får ta emot vad.
send-fix-these = Rätta detta och skicka igen:
send-person = Personen
send-country = Land som har utfärdat numret
send-choose = Välj
send-country-dk = Danmark (CPR-nummer)
send-country-no = Norge (födelsenummer eller D-nummer)
send-country-se = Sverige (personnummer eller samordningsnummer)
send-number = Personnummer
send-number-hint = Som det står i personens handlingar; det skickas förseglat och bara till myndigheter som får ha det.
send-name = Namn (krävs första gången myndigheten nämner personen)
send-case = Ärendenummer
send-case-hint = Er myndighets ärendenummer för personen, till exempel MAL-2026-0142.
send-recipients = Skicka till
send-no-recipients = Inga andra myndigheter är anslutna till hubben ännu.
send-expected = Beräknat datum för frigivning
send-earliest = Tidigast möjliga datum för frigivning
send-optional = Frivilligt.
send-supervision = Övervakning efter frigivning
supervision-none = Ingen
supervision-parole = Villkorlig frigivning med övervakning
supervision-probation = Skyddstillsyn
supervision-community_sentence = Samhällstjänst
send-supervision-until = Övervakning till
send-need-not-given = Inte angivet
need-none = Inget behov
need-needs_support = Behöver stöd
need-urgent = Akut
send-housing = Behov av bostad
send-needs-hint = Behov av bostad och försörjning når bara myndigheter vars lagstöd omfattar dem; övriga får meddelandet utan.
send-income = Behov av försörjning
send-officer = Kontaktperson
send-officer-hint = Vem den mottagande myndigheten ska ringa.
send-phone = Kontaktpersonens telefon
send-release-button = Skicka meddelandet om frigivning
send-bad-date = Skriv datumet som år-månad-dag, till exempel 2027-03-14.
send-no-pseudonym-key = Agenten kan inte ange personer med nummer: den har ingen pseudonymnyckel. Säg till din administratör.
send-need-number = Skriv personens personnummer.
send-bad-number = Personnumret är inte giltigt: { $rule }. Kontrollera det mot personens handlingar.
send-need-country = Välj det land som har utfärdat numret.
send-need-case = Skriv ärendenumret.
send-need-recipient = Välj minst en myndighet att skicka till.
send-need-expected = Skriv det beräknade datumet för frigivning.
send-earliest-after-expected = Det tidigaste datumet för frigivning kan inte vara efter det beräknade.
send-need-supervision = Välj övervakningen efter frigivningen (eller ingen).
send-need-officer = Skriv kontaktpersonens namn (högst 200 tecken).
send-refused-by-agent = Agenten tog inte emot meddelandet: { $detail }
send-on-its-way = Meddelandet är på väg. Hubbens svar visas under Skickat.

## Skicka en begäran om överlämning
send-handover-title = Lämna över ett ärende
send-handover-intro = Be en annan myndighet att ta över personens ärende. Ärendet är ert tills de godtar det; de kan meddela att de har tagit emot det och måste svara senast det datum ni anger, annars meddelar hubben deras samordnare.
send-respond-by = Svara senast
send-respond-by-hint = Arbetsdagar räknas; hubben eskalerar en begäran som inte besvaras i tid.
send-why = Varför ärendet lämnas över
send-why-hint = En rad, högst 200 tecken.
send-plan = Planen hittills
send-plan-hint = Vad som har gjorts och avtalats, för den myndighet som tar över (högst 4 000 tecken).
send-handover-button = Skicka begäran om överlämning
send-need-respond-by = Skriv det datum ni senast behöver svar.
send-respond-by-past = Svarsdatumet har passerat. Välj ett datum från i dag.
send-need-why = Skriv på en rad (högst 200 tecken) varför ärendet lämnas över.
send-need-plan = Sammanfatta planen hittills (högst 4 000 tecken).

## Avsluta ett ärende
send-closing-title = Avsluta ett ärende
send-closing-intro = Meddela de myndigheter som arbetar med personen att ärendet är avslutat, och varför. Bara den myndighet som äger ärendet kan avsluta det; hubben avvisar det från alla andra.
send-end-reason = Varför ärendet avslutas
end-reason-completed = Programmet är genomfört
end-reason-dropped_out = Personen har avbrutit
end-reason-transferred = Överlämnat till en annan myndighet
end-reason-consent_withdrawn = Personen har återkallat sitt samtycke
end-reason-deceased = Personen har avlidit
send-closing-button = Avsluta ärendet
send-need-end-reason = Välj varför ärendet avslutas.

## Skicka-sidan
send-page-title = Skicka
send-page-intro = Välj vad du vill skicka. Varje formulär kontrollerar det du skriver innan något skickas; hubben kontrollerar sedan vem som får ta emot vad, och svaret visas under Skickat i din inkorg.
send-release-title-when = Från anstalten: en frigivning närmar sig, senast 3 månader innan.
send-handover-title-when = Be en annan myndighet ta över ett ärende som du äger.
send-question-title-when = Fråga en annan myndighet om uppgifter om en person.
send-risk-title-when = Dela nivån och de viktigaste behoven från en risk- och behovsbedömning.
send-relocation-title-when = Be en annan kommun ta emot en person som måste flytta av säkerhetsskäl.
send-outcome-title-when = Berätta för den nationella kontaktpunkten hur ett ärende slutade.
send-closing-title-when = Berätta för myndigheterna att ett ärende som du äger är avslutat.
send-page-consent = Samtycke
send-page-consent-when = Personen har undertecknat en samtyckesblankett: registrera vad den tillåter och skriv ut personens kopia.
send-purpose = Ändamål
send-purpose-hint = Delas bara för detta ändamål; personens samtycke måste täcka det.
send-need-purpose = Välj ändamålet.

## Skicka en begäran om uppgifter
send-question-title = Begär uppgifter
send-question-intro = Ställ en fråga om personen till en annan myndighet. De svarar med det som personens samtycke låter dem dela; ett svar kan vara delvis.
send-question-button = Skicka frågan
send-categories = Vad du frågar om
send-categories-hint = Kryssa i varje slags uppgift som svaret får innehålla.
send-need-categories = Kryssa i minst ett slags uppgift som du frågar om.
send-question = Din fråga
send-question-hint = Högst 4 000 tecken. Skriv inte mer om personen än frågan kräver.
send-need-question = Skriv din fråga (högst 4 000 tecken).

## Skicka en risk- och behovsbedömning
send-risk-title = Dela en risk- och behovsbedömning
send-risk-intro = Dela den samlade nivån och de viktigaste behoven från en strukturerad bedömning, till exempel LS/RNR. Poängen för de enskilda punkterna stannar hos dig.
send-risk-button = Skicka bedömningen
send-instrument = Bedömningsinstrument
send-instrument-hint = Till exempel LS/RNR.
send-need-instrument = Skriv vilket instrument som användes (högst 200 tecken).
send-assessed = Bedömd den
send-need-assessed = Skriv datumet för bedömningen.
send-assessed-future = Bedömningsdatumet kan inte ligga i framtiden.
send-level = Samlad nivå
send-need-level = Välj den samlade nivån.
send-need-first = Viktigaste behovet
send-need-second = Näst viktigaste behovet
send-need-third = Tredje behovet
send-needs-order-hint = Upp till tre, det viktigaste först.
send-need-needs = Välj åtminstone det viktigaste behovet.

## Skicka en begäran om flytt
send-relocation-title = Begär en flytt
send-relocation-intro = Be en annan kommun ta emot en person som måste flytta av säkerhetsskäl. Destinationen förseglas på den här datorn så att bara den mottagande kommunen kan läsa den: hubben, den nationella kontaktpunkten och Arbetsförmedlingen ser den aldrig.
send-relocation-button = Skicka begäran om flytt
send-threat = Hotnivå
send-need-threat = Välj hotnivån.
send-needed-by = Behövs senast
send-needed-by-hint = Den mottagande kommunen ska svara inom 2 kalenderdagar.
send-need-needed-by = Skriv det datum då flytten senast behövs.
send-needed-by-past = Datumet har passerat. Välj ett datum från och med i dag.
send-relocation-needs = Behov på den nya orten
send-relocation-needs-hint = Bostad, stöd och kontakter som personen behöver (högst 4 000 tecken).
send-need-relocation-needs = Beskriv behoven på den nya orten (högst 4 000 tecken).
send-destination = Destinationen (förseglad)
send-destination-hint = Bara den mottagande kommunen kan läsa detta.
send-address = Gatuadress
send-postal-code = Postnummer
send-city = Ort
send-location-notes = Anteckningar till den mottagande kommunen
send-need-address = Skriv gatuadressen (högst 200 tecken).
send-need-postal-code = Skriv postnumret.
send-need-city = Skriv orten.
send-long-notes = Anteckningarna är för långa (högst 4 000 tecken).

## Skicka en resultatrapport
send-outcome-title = Rapportera ett resultat
send-outcome-intro = Berätta för den nationella kontaktpunkten hur ärendet slutade. Kontaktpunkten ser personen bara under pseudonym och räknar resultat i grupper, aldrig en enskild person.
send-outcome-button = Skicka resultatrapporten
send-ended-on = Ärendet avslutades
send-need-ended-on = Skriv datumet då ärendet avslutades.
send-ended-future = Slutdatumet kan inte ligga i framtiden.
send-not-known-yet = Inte känt ännu
send-yes = Ja
send-no = Nej
send-no-new-charge = Ingen ny allvarlig misstanke om brott 12 månader efter
send-in-work = I utbildning eller arbete 3 månader efter
send-follow-up-hint = Välj ”Inte känt ännu” tills tiden har gått; skicka då en ny rapport.

## What the agent itself refused
send-agent-no-key = En myndighet som du valt har ännu inte publicerat sin förseglingsnyckel, så det som ska förseglas kan inte förseglas till den. Försök igen om en stund, eller kontakta din administratör om det består.
send-agent-nobody-entitled = Ingen av de myndigheter som du valt får ta emot det som ska förseglas. Välj den myndighet som meddelandet är till.
send-agent-need-name = Skriv personens namn: din myndighet nämner personen för första gången.
send-bad-number-short = Personnumret är inte giltigt. Kontrollera det mot personens papper.

## Answering a received message (information, relocation)
reply-info-title = Besvara frågan
reply-info-intro = { $from } begär uppgifter om personen. Svara bara med det som personens samtycke låter dig dela; hubben tar bort det som samtycket inte täcker.
reply-info-button = Skicka svaret
reply-info-question = Frågan
reply-info-answers = Ditt svar
reply-info-answers-hint = En text per slags uppgift som efterfrågas. Lämna tomt det som du inte kan eller får dela: svaret markeras då som delvis.
reply-info-need-answer = Besvara minst ett av de slags uppgifter som efterfrågas.
reply-info-too-long = Varje svar får vara högst 4 000 tecken.
reply-relocation-title = Bekräfta flytten
reply-relocation-intro = { $from } ber din kommun att ta emot personen. När du bekräftar äger din myndighet ärendet från flyttdagen, och { $from } ser inte längre var personen bor.
reply-relocation-button = Bekräfta flytten
reply-relocation-needed-by = Behövs senast
reply-move-date = Flyttdag
reply-need-move-date = Skriv flyttdagen.
reply-relocation-recipients = Meddela också polisens skyddsenhet
reply-new-address = Den nya adressen (förseglad)
reply-new-address-hint = Valfritt. Förseglas på den här datorn så att bara polisens skyddsenhet kan läsa den; kommunen som frågade ser den aldrig.
reply-back-to-message = Tillbaka till meddelandet
reply-done = Din myndighet svarade { $when }. Hubbens svar visas under Skickat i inkorgen.
