# Det nasjonale kontaktpunktets oversikt (hub/server/src/http/dashboard): rammen,
# innloggingssiden og oversiktene saker, tid, avvisninger, samtykke, overleveringer og flyttinger.

## Rammen
dash-site = Nasjonalt kontaktpunkt
dash-heading = Nasjonalt kontaktpunkt – { $jurisdiction }
dash-signed-in-as = Logget inn som
dash-role-analyst = analytiker
dash-role-statistician = statistiker
dash-sign-out = Logg ut
dash-nav-views = Oversikter
dash-nav-languages = Språk
dash-suppression-note = Antall fra 1 til 4 vises som <5. Der en sum ville gjøre det mulig å regne ut et slikt antall, skjules enda et tall sammen med det, og det samme gjelder enhver andel som ville avsløre det. Tallene gjelder bare { $jurisdiction }.
dash-as-json = Denne oversikten som JSON
dash-jurisdiction-dk = Danmark
dash-jurisdiction-no = Norge
dash-jurisdiction-se = Sverige

## Oversiktenes titler
dash-view-cases = Saker
dash-view-overdue = Overskredne frister for overlevering
dash-view-timing = Tid til mottak og godtakelse
dash-view-rejections = Avvisninger
dash-view-consent = Samtykkedekning
dash-view-outcomes = Resultater
dash-view-flows = Overleveringer mellom virksomheter
dash-view-relocations = Flyttinger
dash-not-available = Ikke tilgjengelig
dash-no-such-view = Denne oversikten finnes ikke.
dash-figures-unavailable = Tallene kunne ikke leses akkurat nå. Prøv igjen om litt.

## Logge inn og ut
dash-sign-in = Logg inn
dash-login-name = Brukernavn
dash-password = Passord
dash-login-wrong = Feil brukernavn eller passord.
dash-login-throttled = For mange mislykkede innloggingsforsøk. Vent { $seconds } sek. og prøv igjen.
dash-login-other-site = Dette innloggingsskjemaet ble sendt fra et annet nettsted. Åpne innloggingssiden og prøv igjen.
dash-login-unavailable = Det er ikke mulig å logge inn akkurat nå. Prøv igjen om litt.
dash-logout-refused = Denne utloggingen kom ikke fra oversiktens egen side, så du er fortsatt logget inn. Åpne oversikten og bruk knappen Logg ut der.

## Tabeller og diagrammer
dash-total = I alt
dash-none = Ingen.
dash-suppressed = skjult
dash-chart-empty = Ingenting å vise ennå.
dash-days-pair = { $median } / { $p90 } dager

## Saker
dash-cases-in-all = Saker i alt
dash-cases-by-stage = Saker etter fase
dash-stage = Fase
dash-cases = Saker
dash-cases-by-programme = Saker etter program og fase
dash-programme = Program
dash-cases-by-region = Saker etter region og fase
dash-region = Region
dash-cases-by-agency = Saker etter saksansvarlig virksomhet og fase
dash-agency = Virksomhet
dash-stage-referred = Henvist
dash-stage-intake = Inntak
dash-stage-active = Aktiv
dash-stage-suspended = Stilt i bero
dash-stage-closed = Avsluttet
dash-stage-other = Annen fase
dash-no-consent = Ikke registrert samtykke
dash-region-unknown = Ukjent region
dash-region-all = Alle regioner

## Tid
dash-timing-note = Dager fra forespørselen. Søylene er medianer, rødt markerer 90-prosentilen; en virksomhet med færre enn 5 overleveringer vises uten.
dash-time-to-receive = Tid til mottak
dash-time-to-accept = Tid til godtakelse
dash-receive-chart = Dager til en overlevering er mottatt: median og 90-prosentil
dash-accept-chart = Dager til en overlevering er godtatt: median og 90-prosentil
dash-timing-caption = Tid til mottak og til godtakelse etter virksomheten som ble spurt (dager)
dash-agency-asked = Virksomhet som ble spurt
dash-received = Mottatt
dash-receive-p50 = Dager til mottak, median
dash-receive-p90 = Dager til mottak, 90-prosentil
dash-accepted = Godtatt
dash-accept-p50 = Dager til godtakelse, median
dash-accept-p90 = Dager til godtakelse, 90-prosentil

## Avvisninger
dash-rejected-by-reason = Avviste overleveringer etter begrunnelse
dash-rejected-caption = Avviste overleveringer etter mottakerens begrunnelse
dash-reason = Begrunnelse
dash-handovers = Overleveringer
dash-refused-by-reason = Avvist av huben etter årsak
dash-refused-chart = Meldinger og mottakere avvist av huben
dash-refused-caption = Meldinger og mottakere avvist av huben (avsendere i denne jurisdiksjonen)
dash-refused = Avvist
dash-rejection-no_capacity = Ingen kapasitet
dash-rejection-not_responsible = Ikke ansvarlig (en annen virksomhet er)
dash-rejection-person_declined = Personen takket nei
dash-rejection-insufficient_information = For lite opplysninger
dash-rejection-other = Annen begrunnelse
dash-rejection-not_given = Ikke oppgitt
dash-refusal-MALFORMED_JSON = Meldingen kunne ikke leses
dash-refusal-UNKNOWN_MESSAGE_TYPE = Ukjent meldingstype
dash-refusal-UNSUPPORTED_SCHEMA_VERSION = Formatversjonen støttes ikke
dash-refusal-SCHEMA_VIOLATION = Felt mangler eller er feil
dash-refusal-OVERSIZED = Meldingen er for stor
dash-refusal-SENDER_MISMATCH = Avsenderen er ikke virksomheten den utgir seg for
dash-refusal-UNKNOWN_SENDER = Avsenderen er ikke registrert
dash-refusal-CATEGORIES_UNDECLARED = Typer opplysninger ikke oppgitt
dash-refusal-UNKNOWN_RECIPIENT = Mottakeren er ikke registrert
dash-refusal-NOT_PERMITTED_FOR_ROLE = Ikke tillatt mellom disse typene virksomheter
dash-refusal-FORBIDDEN_PURPOSE = Formålet er aldri tillatt
dash-refusal-NO_GATEWAY = Verken hjemmel eller samtykke for mottakeren
dash-refusal-CATEGORY_NOT_COVERED = Opplysninger ikke dekket av samtykket eller loven
dash-refusal-DUPLICATE_ID_CONFLICT = Samme id, annen melding
dash-refusal-CONSENT_NOT_IN_FORCE = Samtykket gjelder ikke
dash-refusal-CONSENT_WITHDRAWN = Samtykket er trukket tilbake
dash-refusal-CONSENT_EXPIRED = Samtykket er utløpt
dash-refusal-CONSENT_NEEDS_RECONFIRMATION = Samtykket må bekreftes ved 18 år
dash-refusal-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Opplysninger mottakeren aldri kan få
dash-refusal-NOT_CUSTODIAN = Samtykke registrert av en virksomhet uten samtykkeerklæringen
dash-refusal-INVALID_CONSENT = Samtykket bryter en regel
dash-refusal-NOT_PARTICIPANT = Avsenderen deltar ikke i saken
dash-refusal-NOT_CASE_OWNER = Avsenderen eier ikke saken
dash-refusal-NOT_ADDRESSED_RECIPIENT = Svar fra en virksomhet som ikke ble spurt
dash-refusal-INVALID_TRANSITION = Ikke mulig i sakens fase
dash-refusal-UNKNOWN_HANDOVER = Ukjent overlevering
dash-refusal-CASE_CLOSED = Saken er avsluttet
dash-refusal-SEALED_FOR_UNENTITLED = Skjermet felt forseglet til en uberettiget virksomhet
dash-refusal-SEALED_COPY_MISSING = Skjermet felt uten mottakerens kopi
dash-refusal-SEALED_KEY_UNKNOWN = Skjermet felt forseglet med en ukjent nøkkel
dash-refusal-INVALID_KEY = Forseglingsnøkkelen er ikke gyldig
dash-refusal-UNPROCESSABLE = Meldingen kunne ikke registreres
dash-refusal-UNKNOWN_PROGRAMME = Ukjent program
dash-refusal-NOT_PROGRAMME_CUSTODIAN = Virksomheten kan ikke ha programmets samtykkeerklæringer
dash-refusal-CONSENT_ALREADY_IN_FORCE = Det gjelder allerede et samtykke for programmet
dash-refusal-WITHDRAWAL_EVIDENCE_MISSING = Tilbaketrekking uten dokumentasjon
dash-refusal-SUBJECT_MISMATCH = Meldingen nevner en annen person enn sakens
dash-refusal-REASON_REQUIRED = Begrunnelse mangler
dash-refusal-OUTSIDE_HANDOVER = Mottaker utenfor overleveringen
dash-refusal-RATE_LIMITED = For mange på kort tid
dash-refusal-LINK_CONFLICT = Numre som ikke kan knyttes sammen som én person
dash-refusal-other = Annen årsak

## Samtykkedekning
dash-consent-chart = Åpne saker med et gjeldende samtykke, prosent
dash-consent-caption = Samtykkedekning for åpne saker etter regionen til den saksansvarlige virksomheten
dash-open-cases = Åpne saker
dash-with-consent = Med gjeldende samtykke
dash-coverage = Dekning

## Overleveringer mellom virksomheter
dash-flows-note = Overleveringer fra virksomheten i raden til virksomheten i kolonnen. Flyttinger er ikke med: de telles bare under Flyttinger.
dash-flows-chart = Overleveringer fra virksomhet til virksomhet
dash-flows-caption = Overleveringer fra virksomhet (rad) til virksomhet (kolonne)
dash-flows-corner = Fra \ til

## Flyttinger
dash-relocations-note = Flyttinger telles bare: ingen person, sak eller virksomhet ved en flytting vises, fordi den nye byen ikke må kunne utledes.
dash-relocations-by-state = Flyttinger etter status
dash-relocation-state = Status
dash-relocations = Flyttinger
dash-relocation-requested = Forespurt
dash-relocation-confirmed = Bekreftet
dash-relocation-rejected = Avslått
dash-relocation-open = Venter på svar
dash-relocation-overdue = Ikke besvart innen 2 dager
dash-relocation-other = Annet
