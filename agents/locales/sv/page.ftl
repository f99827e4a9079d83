# Handläggarens sida, svenska.

## Sidans ram
site-name = Överlämningshubb
site-tagline = handläggarens inkorg
skip-to-content = Gå till innehållet
nav-main = Huvudmeny
nav-inbox = Inkorg
nav-people = Personer
nav-access-log = Åtkomstlogg
nav-admin = Agentens inställningar
nav-language = Språk
sign-out = Logga ut
footer = Meddelanden visas bara för denna myndighet. Personuppgifter: hantera dem enligt myndighetens regler.
back-to-inbox = Inkorg

## Roller
role-caseworker = Handläggare
role-coordinator = Samordnare
role-administrator = Administratör

## Logga in och ut
sign-in-title = Logga in
sign-in-intro = Logga in med ditt eget tjänstekonto via myndighetens inloggningstjänst. Agenten registrerar det du öppnar och skickar under ditt namn.
sign-in-button = Logga in med ditt tjänstekonto
sign-in-not-set-up-title = Inloggning är inte konfigurerad
sign-in-not-set-up = Den här agenten har ingen inloggningstjänst, så ingen kan logga in på sidan. Myndighetens administratör konfigurerar den i agentens inställningar (se README). Meddelanden utbyts och sparas fortfarande.
sign-in-provider-down = Myndighetens inloggningstjänst kan inte nås just nu, så du kan inte logga in. Meddelanden fortsätter att komma in och sparas; inget går förlorat. Försök igen om några minuter och säg till din administratör om det består.
sign-in-refused = Du loggades inte in: { $why } Börja om.
sign-in-why-provider-said-no = inloggningstjänsten loggade inte in dig.
sign-in-why-incomplete = svaret från inloggningstjänsten är ofullständigt.
sign-in-why-other-browser = den här webbläsaren startade inte inloggningen (eller så tog den mer än 10 minuter).
sign-in-why-checks = svaret från inloggningstjänsten klarade inte kontrollen.
sign-in-no-role = Du är inloggad, men ditt konto har ingen roll hos myndighetens agent (handläggare, samordnare eller administratör). Be din administratör att ge dig en.
signed-in-title = Inloggad
signed-in-continue = Fortsätt till inkorgen
signing-out-title = Loggar ut
signing-out = Du är utloggad från den här sidan.
signing-out-provider = Logga ut från myndighetens inloggningstjänst också
signed-out-title = Du är utloggad
signed-out-shared-pc = Stäng webbläsaren om datorn delas med andra.
sign-in-again = Logga in igen

## Avslag och fel
refused-title = Avvisat
refused-other-site = Formuläret skickades från en annan webbplats. Öppna inkorgen och försök igen.
form-expired-title = Formuläret har gått ut
form-expired = Formuläret skickades inte från sidan som den ser ut nu, eller så är det för gammalt. Gå tillbaka, ladda om sidan och försök igen.
form-too-large-title = För mycket i formuläret
form-too-large = Formuläret innehåller mer än sidan tar emot. Gå tillbaka och korta texten.
not-for-role-title = Inte för din roll
not-for-role = Du är inloggad som { $name } ({ $roles }). Den här sidan är för andra roller. Fråga din administratör om ditt arbete kräver den.
failed-title = Det gick inte
not-found-title = Hittades inte
not-found = Sidan eller meddelandet finns inte här. Gå tillbaka till inkorgen.
went-wrong-title = Något gick fel
went-wrong = Agenten kunde inte göra detta. Orsaken står i agentens logg; säg till din administratör.
quarantined-title = Meddelandet är i karantän
quarantined = Det delades med personens samtycke, och personen återkallade samtycket innan någon här öppnade meddelandet. Det kan inte längre öppnas. Hubbens utlämnandelogg visar fortfarande att det levererades.

## Meddelandetyper
type-ReleaseNotice = Meddelande om frigivning
type-HandoverRequest = Begäran om överlämning
type-HandoverResponse = Svar på överlämning
type-HandoverCancelled = Överlämning återkallad
type-RelocationRequest = Begäran om flytt
type-RelocationConfirmed = Flytt bekräftad
type-ConsentGranted = Samtycke registrerat
type-ConsentWithdrawn = Samtycke återkallat
type-InformationRequest = Begäran om uppgifter
type-InformationResponse = Svar med uppgifter
type-RiskNeedSummary = Bedömning av risk och behov
type-OutcomeReport = Resultatrapport
type-CaseClosed = Ärendet avslutat
type-Receipt = Kvitto
type-Undeliverable = Kunde inte levereras
type-Escalation = Tidsfristen har passerats
type-KeyPublished = Förseglingsnyckel publicerad
type-KeyDirectory = Nyckelkatalog
type-PersonLinked = Person kopplad till nytt nummer
type-other = Meddelande

## Inkorg
inbox-title = Inkorg
inbox-empty = Inkorgen är tom.
inbox-caption = Mottagna meddelanden, nyaste först
col-received = Mottaget
col-message = Meddelande
col-from = Från
col-case = Ärende
col-respond-by = Svara senast
col-status = Status
status-quarantined = I karantän
status-quarantined-why = samtycket återkallat; kan inte öppnas
status-new = Nytt
status-opened = Öppnat
status-cancelled-by-sender = Återkallat av avsändaren
status-answer-by-you = { $outcome } av er
outcome-received = Mottaget
outcome-accepted = Godtaget
outcome-rejected = Avvisat
due-overdue = försenat
due-today = i dag
due-tomorrow = (i morgon)
due-in-days = { $days ->
    [one] (om { $days } dag)
   *[other] (om { $days } dagar)
}
send-queued = väntar på att skickas
send-sent = skickat, väntar på hubben
send-delivered = levererat
send-partially = levererat till några
send-refused = avvisat av hubben
sent-title = Skickat
sent-empty = Inget skickat ännu.
sent-caption = Skickade meddelanden, nyaste först
col-accepted = Mottaget för sändning
col-hub-answer = Hubbens svar

## Åtkomstlogg
log-title = Åtkomstlogg
log-intro = Vem på den här myndigheten som har öppnat, sökt efter och skickat vad. Innehåll loggas aldrig: bara vem, när, vilket meddelande och vilken person (med pseudonym). Vid en persons begäran om registerutdrag exporterar kommandoraden allt: agent access-log export --subject …
log-chain-ok = Loggens kedja är obruten ({ $entries } poster): ingen post har ändrats, tagits bort eller lagts till.
log-chain-broken = Loggens kedja är bruten. Säg till ert dataskyddsombud.
log-person = Person (pseudonym)
log-user = Användare (inloggningsnamn eller system)
log-show = Visa
log-none = Inga poster matchar.
log-caption = Nyaste först
log-caption-more = Nyaste först, de senaste { $shown } av { $all }
col-when = När
col-who = Vem
col-what = Vad
col-person = Person
log-system = { $name } (system, via API:et)
log-command-line = { $name } (kommandorad)
action-message_opened = öppnade ett meddelande
action-location_opened = öppnade en skyddad adress
action-identity_opened = öppnade en persons identitet
action-person_opened = öppnade en persons sida
action-person_found = hittade en person i en sökning
action-person_entered = registrerade en person
action-message_sent = skickade ett meddelande
action-other = gjorde något annat

## Agentens inställningar
admin-title = Agentens inställningar
admin-intro = Agenten för { $agency }. Sidan visar agentens tillstånd, aldrig ärendeuppgifter.
admin-sign-in = Inloggningstjänst
admin-sign-in-set-up = konfigurerad
admin-sign-in-not-set-up = inte konfigurerad
admin-waiting = Meddelanden som väntar på att skickas
admin-waiting-since = { $count }, det äldsta sedan { $since }
admin-received = Mottagna meddelanden
admin-how = Inställningar ändras i agentens inställningsfil och miljö (se README), och åtkomstloggen exporteras med kommandoraden (agent access-log export).

## Ett meddelande
msg-from = Från { $from }, mottaget { $when }.
msg-not-opened = Från { $from }, mottaget { $when }. Inte öppnat ännu.
msg-opening-logged = När du öppnar det registreras det i myndighetens logg.
msg-open = Öppna meddelandet
msg-not-sent = Inte skickat:
msg-about-person = Allt om den här personen
answer-title = Ert svar
answer-cancelled = Avsändaren har återkallat begäran om överlämning: ärendet stannar hos dem, och det finns inget att svara på.
answer-done = Ni har svarat på den här begäran om överlämning.
answer-question = Vill er myndighet ta över ärendet?
answer-received = Mottaget: vi har det och tittar på det (meddelar avsändaren i tid; besluta senast datumet ovan)
answer-accept = Godta: ärendet flyttas till oss
answer-reject = Avvisa
answer-reason = Motivering
answer-reason-hint = Krävs när ni avvisar; en rad, högst 200 tecken. Den andra myndigheten läser den.
answer-reason-kind = Typ av skäl (när ni avvisar)
answer-reason-kind-hint = Räknas i den nationella kontaktpunktens statistik; texten ovan gör det inte.
answer-kind-none = Inte angivet
answer-kind-no_capacity = Ingen kapacitet
answer-kind-not_responsible = Inte ansvarig (en annan myndighet är det)
answer-kind-person_declined = Personen tackade nej
answer-kind-insufficient_information = Otillräckliga uppgifter
answer-kind-other = Annat
answer-send = Skicka svar
answer-choose = Välj om ni har tagit emot det, godtar det eller avvisar det.
answer-reason-too-long = Motiveringen ska vara en rad på högst 200 tecken.
answer-reason-needed = Ett avvisande kräver en motivering: skriv varför er myndighet inte kan ta över ärendet.

## Vad ett meddelande säger (fält)
fact-agencies = Myndigheter
fact-allows = Tillåter
fact-answer = Svar
fact-answers = Svarar på
fact-attachment = Bilaga
fact-case = Ärende
fact-consent = Samtycke
fact-contact-officer = Kontaktperson
fact-covers = Omfattar
fact-deadline = Tidsfrist
fact-delivered = Levererat till
fact-earliest-release = Tidigaste frigivning
fact-expected-release = Beräknad frigivning
fact-handover = Överlämning
fact-housing-need = Behov av bostad
fact-income-need = Behov av försörjning
fact-moved-on = Flyttade
fact-needed-by = Behövs senast
fact-needs = Behov
fact-new-case-owner = Ny ärendeansvarig
fact-period = Period
fact-person = Person
fact-plan-so-far = Plan hittills
fact-programme = Program
fact-purpose = Ändamål
fact-reason = Orsak
fact-refused = Avvisat för
fact-relocation = Flytt
fact-respond-by = Svara senast
fact-sent = Skickat
fact-sent-by = Skickat av
fact-shared-under = Delat med stöd av
fact-stage = Fas
fact-supervision = Tillsyn
fact-threat-level = Hotnivå
fact-why = Varför
fact-withdrawn = Återkallat

## En skyddad adress
sealed-destination = Förseglad destination
sealed-new-address = Förseglad ny adress
sealed-location = Förseglad vistelseort
sealed-address = Adress
sealed-postal-code = Postnummer
sealed-city = Ort
sealed-notes = Anteckningar
sealed-handle = En skyddad vistelseort: öppnad med myndighetens nyckel bara för den här sidan; agenten håller den förseglad. Hantera den enligt myndighetens regler för skyddade adresser.

## Varför hubben avvisade ett meddelande, och vad du gör
reason-MALFORMED_JSON = Meddelandet kunde inte läsas alls. Säg till din administratör: felet ligger i systemet som skapade det.
reason-UNKNOWN_MESSAGE_TYPE = Hubben känner inte till den här typen av meddelande. Säg till din administratör.
reason-UNSUPPORTED_SCHEMA_VERSION = Meddelandet har en formatversion som hubben inte förstår. Säg till din administratör.
reason-SCHEMA_VIOLATION = Ett fält i meddelandet saknas eller är fel. Rätta det och skicka igen; den tekniska detaljen nämner fältet.
reason-OVERSIZED = Meddelandet är för stort. Skicka färre eller mindre bilagor.
reason-SENDER_MISMATCH = Meddelandet påstår att det kommer från en annan myndighet än er. Säg till din administratör.
reason-UNKNOWN_SENDER = Hubben känner inte (längre) till er myndighet. Säg till din administratör.
reason-CATEGORIES_UNDECLARED = Meddelandet innehåller typer av uppgifter som det inte anger. Säg till din administratör.
reason-UNKNOWN_RECIPIENT = En mottagare är okänd för hubben. Kontrollera mottagaren och skicka igen.
reason-NOT_PERMITTED_FOR_ROLE = Er typ av myndighet får inte skicka den här typen av meddelande till den typen av myndighet. Kontrollera mottagaren.
reason-FORBIDDEN_PURPOSE = Det här ändamålet kan aldrig tillåtas via hubben (brottsutredning eller kontroll av förmåner). Skicka det inte här.
reason-NO_GATEWAY = Varken lagen eller personens samtycke tillåter att detta delas med mottagaren. Registrera först personens samtycke, eller dela det inte.
reason-CATEGORY_NOT_COVERED = Samtycket eller lagen omfattar bara en del av meddelandets innehåll. Skicka bara det som omfattas, eller be personen att utvidga samtycket.
reason-DUPLICATE_ID_CONFLICT = Ett annat meddelande har redan skickats med samma id. Skicka det som ett nytt meddelande.
reason-CONSENT_NOT_IN_FORCE = Samtycket som nämns gäller inte (ersatt eller inte giltigt ännu). Använd det samtycke som gäller.
reason-CONSENT_WITHDRAWN = Personen har återkallat samtycket. Inget mer får delas med stöd av det.
reason-CONSENT_EXPIRED = Samtyckets period har löpt ut. Be personen om ett nytt samtycke.
reason-CONSENT_NEEDS_RECONFIRMATION = Personen har fyllt 18 och måste själv bekräfta samtycket som vårdnadshavaren gav. Be personen bekräfta det.
reason-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Mottagaren får aldrig ta emot vissa av dessa uppgifter (till exempel en skyddad adress). Utelämna dem.
reason-NOT_CUSTODIAN = Bara den myndighet som har personens samtyckesblankett får registrera en ny version. Fråga den myndigheten.
reason-INVALID_CONSENT = Samtycket bryter mot en regel (en period över 12 månader, en minderårig utan vårdnadshavare eller versioner i fel ordning). Rätta samtycket och registrera det igen.
reason-NOT_PARTICIPANT = Er myndighet deltar inte i det här ärendet. Kontrollera ärendet.
reason-NOT_CASE_OWNER = Bara den myndighet som äger ärendet får göra detta. Fråga ärendeägaren.
reason-NOT_ADDRESSED_RECIPIENT = Bara den myndighet som överlämningen skickades till får svara på den.
reason-INVALID_TRANSITION = Ärendet eller överlämningen är inte i en fas där detta kan göras (kanske är den redan besvarad). Titta på ärendet.
reason-UNKNOWN_HANDOVER = Hubben känner inte till någon sådan överlämning i det här ärendet. Kontrollera ärendet.
reason-CASE_CLOSED = Ärendet är avslutat. Inget mer kan skickas om det.
reason-SEALED_FOR_UNENTITLED = Ett skyddat fält förseglades till en myndighet som inte får läsa det. Säg till din administratör.
reason-SEALED_COPY_MISSING = En mottagare av ett skyddat fält har ingen egen kopia. Skicka meddelandet igen.
reason-SEALED_KEY_UNKNOWN = Ett skyddat fält förseglades med en nyckel som hubben inte känner till. Skicka meddelandet igen om några minuter.
reason-INVALID_KEY = Agentens förseglingsnyckel är inte giltig. Säg till din administratör.
reason-UNPROCESSABLE = Hubben kunde inte registrera meddelandet. Inget levererades. Säg till din administratör.
reason-UNKNOWN_PROGRAMME = Samtycket nämner ett program som hubben inte känner till. Kontrollera programmet.
reason-NOT_PROGRAMME_CUSTODIAN = Er myndighet får inte ha programmets samtyckesblanketter. Den myndighet som har dem registrerar samtycket.
reason-CONSENT_ALREADY_IN_FORCE = Personen har redan ett gällande samtycke för programmet. Registrera i stället en ny version av det.
reason-WITHDRAWAL_EVIDENCE_MISSING = En återkallelse som registreras av en annan myndighet än den som har samtycket måste ha underlag: vem tog emot personens önskan, när och hur. Lägg till det och skicka igen.
reason-SUBJECT_MISMATCH = Ärendet gäller en annan person än den som meddelandet nämner. Kontrollera ärendet och personen.
reason-REASON_REQUIRED = En motivering saknas: ett avvisande eller en återkallelse måste säga varför. Lägg till den och skicka igen.
reason-OUTSIDE_HANDOVER = Ett svar går bara till den myndighet som frågade, och en återkallelse bara till den som tillfrågades. Kontrollera mottagaren.
reason-RATE_LIMITED = Agenten har skickat för många av dessa på kort tid. Den försöker själv igen senare.
reason-LINK_CONFLICT = De två numren kan inte kopplas ihop som en person: det nya används redan, eller det gamla är redan kopplat. Kontrollera numren.
reason-other = Hubben avvisade meddelandet. Säg till din administratör.
sent-technical = Teknisk detalj (för din administratör)

## Typer av personuppgifter
category-IDENTITY = vem personen är (personnummer, namn, födelsedatum)
category-CONTACT = kontaktuppgifter
category-PROTECTED_LOCATION = en skyddad adress
category-SENTENCE_RELEASE = dom och frigivning
category-CRIMINAL_HISTORY = kriminell bakgrund
category-RISK_NEED = risk och behov
category-HEALTH_SUBSTANCE = hälsa och missbruk
category-ECONOMY_BENEFITS = bostad, inkomst och förmåner
category-EDUCATION_EMPLOYMENT = utbildning och arbete
category-CASE_STATUS = hur ärendet står
category-OUTCOME = resultat
withheld-title = Inte delat med er myndighet
withheld-explained = Avsändarens meddelande innehöll mer än detta. Lagen eller personens samtycke ger inte er myndighet rätt till följande, så hubben tog bort det innan meddelandet nådde er och registrerade det. Behöver ni det i arbetet, be personen om samtycke.

## Samtycke på ett meddelandes sida
consent-title = Samtycke från den här personen
consent-none = Myndigheten har inget samtycke från den här personen. Meddelanden om personen når bara myndigheten där en lag tillåter det.
consent-held-by-hub = Meddelandet delades med personens samtycke (version { $version }). Hubben har samtycket; myndigheten har ingen kopia av det.
consent-versions-seen = De versioner av samtycket som agenten har skickat eller tagit emot. Hubben har det gällande samtycket.
withdraw-summary = Personen återkallar det här samtycket
withdraw-explain = Registrera det så snart personen säger det. Det gäller genast: inget mer delas med stöd av det, de myndigheter som har fått uppgifter får besked, och oöppnade meddelanden som kom med stöd av det kan inte längre öppnas.
withdraw-received-by = Mottaget av (din roll eller titel)
withdraw-channel = Hur personen sa det
withdraw-channel-in_person = Personligen
withdraw-channel-in_writing = Skriftligt
withdraw-channel-by_phone = Per telefon
withdraw-channel-digital = Digitalt
withdraw-confirm = Personen har sagt att de återkallar samtycket
withdraw-button = Registrera återkallelsen
withdraw-need-confirm = Kryssa i rutan för att bekräfta att personen har återkallat samtycket, och registrera igen.
withdraw-need-received-by = Skriv vem som tog emot personens önskan (en roll eller titel, högst 200 tecken).
withdraw-need-channel = Välj hur personen sa det.
withdraw-done = Återkallelsen är registrerad och på väg till hubben, som genast stoppar all delning med stöd av samtycket.

## Navigering till arbetsvyerna och skicka-sidan
nav-due = Att göra
nav-cases = Ärenden
nav-releases = Frigivningar
nav-send-any = Skicka

## Varför ett meddelande delas (ändamål)
purpose-REINTEGRATION_PLANNING = planering av återanpassning
purpose-RELEASE_COORDINATION = samordning av frigivning
purpose-RELOCATION_SAFETY = flytt av säkerhetsskäl
purpose-CASE_COORDINATION = samordning av ärendet
purpose-OUTCOME_STATISTICS = resultatstatistik
purpose-CRIMINAL_INVESTIGATION = brottsutredning
purpose-BENEFIT_FRAUD_CONTROL = kontroll av bidragsbrott

## Risk- och hotnivåer, behovsområden
risk-level-very_low = mycket låg
risk-level-low = låg
risk-level-medium = medel
risk-level-high = hög
risk-level-very_high = mycket hög
need-area-education_employment = utbildning och arbete
need-area-family_marital = familj och parrelation
need-area-accommodation = boende
need-area-leisure_recreation = fritid
need-area-companions = umgänge
need-area-alcohol_drug = alkohol och droger
need-area-procriminal_attitude = kriminella attityder
need-area-antisocial_pattern = antisocialt mönster
threat-level-low = låg
threat-level-moderate = måttlig
threat-level-high = hög
threat-level-severe = allvarlig

## Vad ett meddelande säger (värden)
value-identity-not-shared = identiteten är inte delad med din myndighet
value-identity-unreadable = identiteten kunde inte öppnas: { $why }
value-person = { $name }, { $label } { $number }, född { $born }
value-number-dk = danskt CPR-nummer
value-number-no = norskt fødselsnummer
value-number-se = personnummer
value-pseudonym = känd av hubben bara under pseudonym ({ $pseudonym })
value-under-statute = lagen ({ $statute })
value-under-consent = personens samtycke (version { $version })
value-staff-caseworker = handläggare
value-staff-coordinator = samordnare
value-sent-by = { $name } ({ $role })
value-outcome-received = mottaget (inte beslutat ännu)
value-outcome-accepted = godtaget: ärendet går över till dem
value-outcome-rejected = avslaget
value-handover-cancelled = återkallat av avsändaren: ärendet stannar hos dem, det finns inget att svara på
value-consent-version = version { $version }
value-period = { $start } till { $end }
value-nobody = ingen
value-partial = Delvis: en del av det som efterfrågades är inte besvarat.
value-escalation = { $deadline }, senast { $due }, { $days } dagar försenat
value-person-linked = känd under ett nytt personnummer; hubben kopplar ihop de två
value-supervision-until = { $supervision } till { $until }
value-withdrawn-entire = hela samtycket
value-withdrawn-sharing = bara delning med { $whom }
value-list = { $init } och { $last }
need-unknown = Inte känt
deadline-release_notice = meddelande om frigivning senast 3 månader före frigivningen
deadline-handover_received = begäran om överlämning kvitterad som mottagen inom 2 arbetsdagar
deadline-handover_answered = begäran om överlämning besvarad inom 10 arbetsdagar
deadline-relocation_answered = flytt besvarad inom 2 kalenderdagar
stage-referred = remitterat
stage-intake = inskrivning
stage-active = aktivt
stage-suspended = vilande
stage-closed = avslutat
agency-role-municipality = kommunerna
agency-role-police = polisen
agency-role-prison_probation = Kriminalvården
agency-role-employment = Arbetsförmedlingen
agency-role-national_contact_point = den nationella kontaktpunkten
consent-s-nothing = Delar ingenting: samtycket har inga bestämmelser.
consent-s-any-data = alla uppgifter
consent-s-shares = Delar { $what }
consent-s-except-shares = Utom: delar { $what }
consent-s-except-not = Utom: delar inte { $what }
consent-s-with = med { $whom }
consent-s-in = i { $kinds }
consent-s-for = för { $why }
consent-s-from-until = från { $start } till { $end }
consent-s-until = till { $end }
fact-asks-about = Frågar om
fact-question = Fråga
fact-partial = Delvis svar
fact-instrument = Instrument
fact-assessed-on = Bedömd den
fact-risk-level = Risknivå
fact-top-needs = Viktigaste behov
fact-case-ended = Varför ärendet avslutades
fact-ended-on = Avslutades
fact-no-new-serious-charge = Ingen ny allvarlig misstanke om brott 12 månader efter
fact-in-education-or-job = I utbildning eller arbete 3 månader efter
fact-closed = Avslutat

## Where a consent version stands
consent-status-refused = avvisat av hubben: { $why }
consent-status-unconfirmed = skickat; hubben har inte bekräftat det ännu
consent-status-superseded = ersatt av version { $version }
consent-status-withdrawn = återkallat av personen den { $on }
consent-status-partly-withdrawn = gäller, utom för { $whom }: återkallat för dem den { $on }
consent-status-expired = upphörde den { $on }
consent-status-not-yet = gäller inte ännu (från { $on })
consent-status-in-force = gäller
consent-source-this-agency = registrerat av denna myndighet
consent-source-received = mottaget från { $from }
consent-version-heading = Version { $version }: { $status }

## An escalation explained
escalation-title = Vad som har hänt och vad du ska göra
escalation-to-coordinator = En tidsfrist har passerat: { $late } skulle ha agerat senast { $due } och är { $days } dagar försenad, och { $waiting } väntar. Som samordnare får du besked först, så att ärendet inte stannar av.
escalation-to-coordinator-todo = Be handläggaren hos { $late } (eller din egen handläggare, om det försenade steget är ert) att agera i dag. Sker det inte i tid får den nationella kontaktpunkten besked.
escalation-to-contact-point = En tidsfrist har passerat två gånger: { $late } skulle ha agerat senast { $due } och är { $days } dagar försenad, och { $waiting } väntar. Samordnarna har fått besked och det är fortfarande inte gjort.
escalation-to-contact-point-todo = Kontakta samordnarna på båda myndigheterna och kom överens om vem som agerar och när. Du ser personen bara under pseudonym.

## Why a sealed field could not be read
sealed-why-removed = Hubben tog bort den förseglade adressen: din myndighet får inte ha den.
sealed-why-none-sent = Avsändaren skickade ingen förseglad adress.
sealed-why-none-came = Ingen förseglad adress följde med detta meddelande.
sealed-why-not-a-location = Den öppnades, men innehållet är inte en adress som den här agenten kan läsa. Kontakta din administratör.
sealed-why-not-an-identity = Den öppnades, men innehållet är inte en identitet som den här agenten kan läsa. Kontakta din administratör.
sealed-why-for-others = Förseglad för andra myndigheter; din myndighet kan inte läsa den.
sealed-why-for = Förseglad för { $whom }; din myndighet kan inte läsa den.
sealed-why-key-gone = Förseglad till en nyckel som den här agenten inte längre har ({ $key }). Kontakta din administratör: en säkerhetskopia av agentens nycklar kan ha den.
sealed-why-scheme = Förseglad på ett sätt som den här agenten inte känner till ({ $scheme }). Kontakta din administratör: agenten kan behöva uppdateras.
sealed-why-damaged = Din myndighets kopia går inte att öppna: den är skadad eller inte förseglad för detta meddelande. Be avsändaren skicka den igen.
