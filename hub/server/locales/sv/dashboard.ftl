# Den nationella kontaktpunktens översikt (hub/server/src/http/dashboard): ramen,
# inloggningssidan och sammanställningarna ärenden, tid, avvisningar, samtycke, överlämningar
# och flyttar.

## Ramen
dash-site = Nationell kontaktpunkt
dash-heading = Nationell kontaktpunkt – { $jurisdiction }
dash-signed-in-as = Inloggad som
dash-role-analyst = analytiker
dash-role-statistician = statistiker
dash-sign-out = Logga ut
dash-nav-views = Sammanställningar
dash-nav-languages = Språk
dash-suppression-note = Antal från 1 till 4 visas som <5. Där en summa skulle göra det möjligt att räkna ut ett sådant antal döljs ytterligare ett tal tillsammans med det, och detsamma gäller varje andel som skulle röja det. Siffrorna gäller endast { $jurisdiction }.
dash-as-json = Den här sammanställningen som JSON
dash-jurisdiction-dk = Danmark
dash-jurisdiction-no = Norge
dash-jurisdiction-se = Sverige

## Sammanställningarnas rubriker
dash-view-cases = Ärenden
dash-view-overdue = Försenade överlämningar
dash-view-timing = Tid till mottagande och godkännande
dash-view-rejections = Avvisningar
dash-view-consent = Samtyckestäckning
dash-view-outcomes = Resultat
dash-view-flows = Överlämningar mellan myndigheter
dash-view-relocations = Flyttar
dash-not-available = Inte tillgänglig
dash-no-such-view = Den sammanställningen finns inte.
dash-figures-unavailable = Siffrorna kunde inte läsas just nu. Försök igen om en stund.

## Logga in och ut
dash-sign-in = Logga in
dash-login-name = Användarnamn
dash-password = Lösenord
dash-login-wrong = Fel användarnamn eller lösenord.
dash-login-throttled = För många misslyckade inloggningsförsök. Vänta { $seconds } s och försök igen.
dash-login-other-site = Inloggningsformuläret skickades från en annan webbplats. Öppna inloggningssidan och försök igen.
dash-login-unavailable = Det går inte att logga in just nu. Försök igen om en stund.
dash-logout-refused = Utloggningen kom inte från översiktens egen sida, så du är fortfarande inloggad. Öppna översikten och använd knappen Logga ut där.

## Tabeller och diagram
dash-total = Totalt
dash-none = Inga.
dash-suppressed = dold
dash-chart-empty = Inget att visa ännu.
dash-days-pair = { $median } / { $p90 } dagar

## Ärenden
dash-cases-in-all = Ärenden totalt
dash-cases-by-stage = Ärenden efter fas
dash-stage = Fas
dash-cases = Ärenden
dash-cases-by-programme = Ärenden efter program och fas
dash-programme = Program
dash-cases-by-region = Ärenden efter region och fas
dash-region = Region
dash-cases-by-agency = Ärenden efter ärendeägande myndighet och fas
dash-agency = Myndighet
dash-stage-referred = Remitterat
dash-stage-intake = Inskrivning
dash-stage-active = Aktivt
dash-stage-suspended = Vilande
dash-stage-closed = Avslutat
dash-stage-other = Annan fas
dash-no-consent = Inget samtycke registrerat
dash-region-unknown = Okänd region
dash-region-all = Alla regioner

## Tid
dash-timing-note = Dagar från begäran. Staplarna är medianer, rött markerar 90:e percentilen; en myndighet med färre än 5 överlämningar visas utan.
dash-time-to-receive = Tid till mottagande
dash-time-to-accept = Tid till godkännande
dash-receive-chart = Dagar tills en överlämning tagits emot: median och 90:e percentil
dash-accept-chart = Dagar tills en överlämning godkänts: median och 90:e percentil
dash-timing-caption = Tid till mottagande och till godkännande per tillfrågad myndighet (dagar)
dash-agency-asked = Tillfrågad myndighet
dash-received = Mottagna
dash-receive-p50 = Dagar till mottagande, median
dash-receive-p90 = Dagar till mottagande, 90:e percentil
dash-accepted = Godkända
dash-accept-p50 = Dagar till godkännande, median
dash-accept-p90 = Dagar till godkännande, 90:e percentil

## Avvisningar
dash-rejected-by-reason = Avvisade överlämningar efter skäl
dash-rejected-caption = Avvisade överlämningar efter den mottagande myndighetens skäl
dash-reason = Skäl
dash-handovers = Överlämningar
dash-refused-by-reason = Avvisade av hubben efter orsak
dash-refused-chart = Meddelanden och mottagare som hubben avvisat
dash-refused-caption = Meddelanden och mottagare som hubben avvisat (avsändare i denna jurisdiktion)
dash-refused = Avvisade
dash-rejection-no_capacity = Ingen kapacitet
dash-rejection-not_responsible = Inte ansvarig (en annan myndighet är det)
dash-rejection-person_declined = Personen tackade nej
dash-rejection-insufficient_information = Otillräckliga uppgifter
dash-rejection-other = Annat skäl
dash-rejection-not_given = Inte angivet
dash-refusal-MALFORMED_JSON = Meddelandet kunde inte läsas
dash-refusal-UNKNOWN_MESSAGE_TYPE = Okänd typ av meddelande
dash-refusal-UNSUPPORTED_SCHEMA_VERSION = Formatversionen stöds inte
dash-refusal-SCHEMA_VIOLATION = Fält saknas eller är fel
dash-refusal-OVERSIZED = Meddelandet är för stort
dash-refusal-SENDER_MISMATCH = Avsändaren är inte den myndighet den utger sig för
dash-refusal-UNKNOWN_SENDER = Avsändaren är inte registrerad
dash-refusal-CATEGORIES_UNDECLARED = Typer av uppgifter inte angivna
dash-refusal-UNKNOWN_RECIPIENT = Mottagaren är inte registrerad
dash-refusal-NOT_PERMITTED_FOR_ROLE = Inte tillåtet mellan dessa typer av myndigheter
dash-refusal-FORBIDDEN_PURPOSE = Ändamålet är aldrig tillåtet
dash-refusal-NO_GATEWAY = Varken lagstöd eller samtycke för mottagaren
dash-refusal-CATEGORY_NOT_COVERED = Uppgifter som samtycket eller lagen inte omfattar
dash-refusal-DUPLICATE_ID_CONFLICT = Samma id, annat meddelande
dash-refusal-CONSENT_NOT_IN_FORCE = Samtycket gäller inte
dash-refusal-CONSENT_WITHDRAWN = Samtycket har återkallats
dash-refusal-CONSENT_EXPIRED = Samtycket har löpt ut
dash-refusal-CONSENT_NEEDS_RECONFIRMATION = Samtycket ska bekräftas vid 18 år
dash-refusal-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Uppgifter som mottagaren aldrig får ta emot
dash-refusal-NOT_CUSTODIAN = Samtycke registrerat av en myndighet utan samtyckesblanketten
dash-refusal-INVALID_CONSENT = Samtycket bryter mot en regel
dash-refusal-NOT_PARTICIPANT = Avsändaren deltar inte i ärendet
dash-refusal-NOT_CASE_OWNER = Avsändaren äger inte ärendet
dash-refusal-NOT_ADDRESSED_RECIPIENT = Svar från en myndighet som inte tillfrågats
dash-refusal-INVALID_TRANSITION = Inte möjligt i ärendets fas
dash-refusal-UNKNOWN_HANDOVER = Okänd överlämning
dash-refusal-CASE_CLOSED = Ärendet är avslutat
dash-refusal-SEALED_FOR_UNENTITLED = Skyddat fält förseglat till en obehörig myndighet
dash-refusal-SEALED_COPY_MISSING = Skyddat fält utan mottagarens kopia
dash-refusal-SEALED_KEY_UNKNOWN = Skyddat fält förseglat med en okänd nyckel
dash-refusal-INVALID_KEY = Förseglingsnyckeln är inte giltig
dash-refusal-UNPROCESSABLE = Meddelandet kunde inte registreras
dash-refusal-UNKNOWN_PROGRAMME = Okänt program
dash-refusal-NOT_PROGRAMME_CUSTODIAN = Myndigheten får inte ha programmets samtyckesblanketter
dash-refusal-CONSENT_ALREADY_IN_FORCE = Det finns redan ett gällande samtycke för programmet
dash-refusal-WITHDRAWAL_EVIDENCE_MISSING = Återkallelse utan underlag
dash-refusal-SUBJECT_MISMATCH = Meddelandet nämner en annan person än ärendets
dash-refusal-REASON_REQUIRED = Motivering saknas
dash-refusal-OUTSIDE_HANDOVER = Mottagare utanför överlämningen
dash-refusal-RATE_LIMITED = För många på kort tid
dash-refusal-LINK_CONFLICT = Nummer som inte kan kopplas ihop som en person
dash-refusal-other = Annan orsak

## Samtyckestäckning
dash-consent-chart = Öppna ärenden med ett gällande samtycke, procent
dash-consent-caption = Samtyckestäckning för öppna ärenden efter den ärendeägande myndighetens region
dash-open-cases = Öppna ärenden
dash-with-consent = Med gällande samtycke
dash-coverage = Täckning

## Överlämningar mellan myndigheter
dash-flows-note = Överlämningar från myndigheten i raden till myndigheten i kolumnen. Flyttar ingår inte: de räknas bara under Flyttar.
dash-flows-chart = Överlämningar från myndighet till myndighet
dash-flows-caption = Överlämningar från myndighet (rad) till myndighet (kolumn)
dash-flows-corner = Från \ till

## Flyttar
dash-relocations-note = Flyttar räknas bara: ingen person, inget ärende och ingen myndighet vid en flytt visas, eftersom den nya orten inte får kunna härledas.
dash-relocations-by-state = Flyttar efter status
dash-relocation-state = Status
dash-relocations = Flyttar
dash-relocation-requested = Begärda
dash-relocation-confirmed = Bekräftade
dash-relocation-rejected = Avböjda
dash-relocation-open = Väntar på svar
dash-relocation-overdue = Inte besvarade inom 2 dagar
dash-relocation-other = Annat
