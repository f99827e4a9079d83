# Det nationale kontaktpunkts oversigt (hub/server/src/http/dashboard): rammen, login-siden
# og opgørelserne sager, tid, afvisninger, samtykke, overdragelser og flytninger.

## Rammen
dash-site = Nationalt kontaktpunkt
dash-heading = Nationalt kontaktpunkt – { $jurisdiction }
dash-signed-in-as = Logget ind som
dash-role-analyst = analytiker
dash-role-statistician = statistiker
dash-sign-out = Log ud
dash-nav-views = Opgørelser
dash-nav-languages = Sprog
dash-suppression-note = Antal fra 1 til 4 vises som <5. Hvor en total ville gøre det muligt at regne et sådant antal ud, udelades endnu et tal sammen med det, og det samme gælder enhver andel, der ville afsløre det. Tallene gælder kun { $jurisdiction }.
dash-as-json = Denne opgørelse som JSON
dash-jurisdiction-dk = Danmark
dash-jurisdiction-no = Norge
dash-jurisdiction-se = Sverige

## Opgørelsernes titler
dash-view-cases = Sager
dash-view-overdue = Overskredne frister for overdragelse
dash-view-timing = Tid til modtagelse og accept
dash-view-rejections = Afvisninger
dash-view-consent = Samtykkedækning
dash-view-outcomes = Resultater
dash-view-flows = Overdragelser mellem myndigheder
dash-view-relocations = Flytninger
dash-not-available = Ikke tilgængelig
dash-no-such-view = Denne opgørelse findes ikke.
dash-figures-unavailable = Tallene kunne ikke læses lige nu. Prøv igen om lidt.

## Log ind og ud
dash-sign-in = Log ind
dash-login-name = Brugernavn
dash-password = Adgangskode
dash-login-wrong = Forkert brugernavn eller adgangskode.
dash-login-throttled = For mange mislykkede forsøg på at logge ind. Vent { $seconds } sek., og prøv igen.
dash-login-other-site = Denne loginformular blev sendt fra et andet websted. Åbn login-siden, og prøv igen.
dash-login-unavailable = Det er ikke muligt at logge ind lige nu. Prøv igen om lidt.
dash-logout-refused = Denne udlogning kom ikke fra oversigtens egen side, så du er stadig logget ind. Åbn oversigten, og brug dens knap Log ud.

## Tabeller og diagrammer
dash-total = I alt
dash-none = Ingen.
dash-suppressed = udeladt
dash-chart-empty = Intet at vise endnu.
dash-days-pair = { $median } / { $p90 } dage

## Sager
dash-cases-in-all = Sager i alt
dash-cases-by-stage = Sager efter fase
dash-stage = Fase
dash-cases = Sager
dash-cases-by-programme = Sager efter program og fase
dash-programme = Program
dash-cases-by-region = Sager efter region og fase
dash-region = Region
dash-cases-by-agency = Sager efter sagsejende myndighed og fase
dash-agency = Myndighed
dash-stage-referred = Henvist
dash-stage-intake = Visitation
dash-stage-active = Aktiv
dash-stage-suspended = Sat i bero
dash-stage-closed = Afsluttet
dash-stage-other = Anden fase
dash-no-consent = Intet samtykke registreret
dash-region-unknown = Ukendt region
dash-region-all = Alle regioner

## Tid
dash-timing-note = Dage fra anmodningen. Søjlerne er medianer, rødt markerer 90-procent-fraktilen; en myndighed med færre end 5 overdragelser vises uden.
dash-time-to-receive = Tid til modtagelse
dash-time-to-accept = Tid til accept
dash-receive-chart = Dage til en overdragelse er modtaget: median og 90-procent-fraktil
dash-accept-chart = Dage til en overdragelse er accepteret: median og 90-procent-fraktil
dash-timing-caption = Tid til modtagelse og til accept efter anmodet myndighed (dage)
dash-agency-asked = Anmodet myndighed
dash-received = Modtaget
dash-receive-p50 = Dage til modtagelse, median
dash-receive-p90 = Dage til modtagelse, 90-procent-fraktil
dash-accepted = Accepteret
dash-accept-p50 = Dage til accept, median
dash-accept-p90 = Dage til accept, 90-procent-fraktil

## Afvisninger
dash-rejected-by-reason = Afviste overdragelser efter begrundelse
dash-rejected-caption = Afviste overdragelser efter den modtagende myndigheds begrundelse
dash-reason = Begrundelse
dash-handovers = Overdragelser
dash-refused-by-reason = Afvist af hubben efter årsag
dash-refused-chart = Meddelelser og modtagere afvist af hubben
dash-refused-caption = Meddelelser og modtagere afvist af hubben (afsendere i denne jurisdiktion)
dash-refused = Afvist
dash-rejection-no_capacity = Ingen kapacitet
dash-rejection-not_responsible = Ikke ansvarlig (en anden myndighed er)
dash-rejection-person_declined = Personen takkede nej
dash-rejection-insufficient_information = Utilstrækkelige oplysninger
dash-rejection-other = Anden begrundelse
dash-rejection-not_given = Ikke angivet
dash-refusal-MALFORMED_JSON = Meddelelsen kunne ikke læses
dash-refusal-UNKNOWN_MESSAGE_TYPE = Ukendt type meddelelse
dash-refusal-UNSUPPORTED_SCHEMA_VERSION = Formatversion understøttes ikke
dash-refusal-SCHEMA_VIOLATION = Felt mangler eller er forkert
dash-refusal-OVERSIZED = Meddelelsen er for stor
dash-refusal-SENDER_MISMATCH = Afsender er ikke den myndighed, den udgiver sig for
dash-refusal-UNKNOWN_SENDER = Afsender er ikke registreret
dash-refusal-CATEGORIES_UNDECLARED = Typer af oplysninger ikke angivet
dash-refusal-UNKNOWN_RECIPIENT = Modtager er ikke registreret
dash-refusal-NOT_PERMITTED_FOR_ROLE = Ikke tilladt mellem disse typer myndigheder
dash-refusal-FORBIDDEN_PURPOSE = Formålet er aldrig tilladt
dash-refusal-NO_GATEWAY = Hverken hjemmel eller samtykke for modtageren
dash-refusal-CATEGORY_NOT_COVERED = Oplysninger ikke dækket af samtykket eller loven
dash-refusal-DUPLICATE_ID_CONFLICT = Samme id, anden meddelelse
dash-refusal-CONSENT_NOT_IN_FORCE = Samtykket gælder ikke
dash-refusal-CONSENT_WITHDRAWN = Samtykket er trukket tilbage
dash-refusal-CONSENT_EXPIRED = Samtykket er udløbet
dash-refusal-CONSENT_NEEDS_RECONFIRMATION = Samtykket skal bekræftes ved 18 år
dash-refusal-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Oplysninger, modtageren aldrig må få
dash-refusal-NOT_CUSTODIAN = Samtykke registreret af en myndighed uden samtykkeerklæringen
dash-refusal-INVALID_CONSENT = Samtykket bryder en regel
dash-refusal-NOT_PARTICIPANT = Afsender deltager ikke i sagen
dash-refusal-NOT_CASE_OWNER = Afsender ejer ikke sagen
dash-refusal-NOT_ADDRESSED_RECIPIENT = Svar fra en myndighed, der ikke blev spurgt
dash-refusal-INVALID_TRANSITION = Ikke muligt i sagens fase
dash-refusal-UNKNOWN_HANDOVER = Ukendt overdragelse
dash-refusal-CASE_CLOSED = Sagen er afsluttet
dash-refusal-SEALED_FOR_UNENTITLED = Beskyttet felt forseglet til en uberettiget myndighed
dash-refusal-SEALED_COPY_MISSING = Beskyttet felt uden modtagerens kopi
dash-refusal-SEALED_KEY_UNKNOWN = Beskyttet felt forseglet med en ukendt nøgle
dash-refusal-INVALID_KEY = Forseglingsnøglen er ikke gyldig
dash-refusal-UNPROCESSABLE = Meddelelsen kunne ikke registreres
dash-refusal-UNKNOWN_PROGRAMME = Ukendt program
dash-refusal-NOT_PROGRAMME_CUSTODIAN = Myndigheden må ikke have programmets samtykkeerklæringer
dash-refusal-CONSENT_ALREADY_IN_FORCE = Der gælder allerede et samtykke til programmet
dash-refusal-WITHDRAWAL_EVIDENCE_MISSING = Tilbagetrækning uden dokumentation
dash-refusal-SUBJECT_MISMATCH = Meddelelsen nævner en anden person end sagens
dash-refusal-REASON_REQUIRED = Begrundelse mangler
dash-refusal-OUTSIDE_HANDOVER = Modtager uden for overdragelsen
dash-refusal-RATE_LIMITED = For mange på kort tid
dash-refusal-LINK_CONFLICT = Numre, der ikke kan knyttes sammen som én person
dash-refusal-other = Anden årsag

## Samtykkedækning
dash-consent-chart = Åbne sager med et gældende samtykke, procent
dash-consent-caption = Samtykkedækning for åbne sager efter den sagsejende myndigheds region
dash-open-cases = Åbne sager
dash-with-consent = Med gældende samtykke
dash-coverage = Dækning

## Overdragelser mellem myndigheder
dash-flows-note = Overdragelser fra myndigheden i rækken til myndigheden i kolonnen. Flytninger indgår ikke: de tælles kun under Flytninger.
dash-flows-chart = Overdragelser fra myndighed til myndighed
dash-flows-caption = Overdragelser fra myndighed (række) til myndighed (kolonne)
dash-flows-corner = Fra \ til

## Flytninger
dash-relocations-note = Flytninger tælles kun: ingen person, sag eller myndighed ved en flytning vises, fordi den nye by ikke må kunne udledes.
dash-relocations-by-state = Flytninger efter status
dash-relocation-state = Status
dash-relocations = Flytninger
dash-relocation-requested = Anmodet
dash-relocation-confirmed = Bekræftet
dash-relocation-rejected = Afslået
dash-relocation-open = Afventer svar
dash-relocation-overdue = Ikke besvaret inden for 2 dage
dash-relocation-other = Andet
