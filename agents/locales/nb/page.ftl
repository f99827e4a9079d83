# Saksbehandlerens side, norsk bokmål.

## Sidens ramme
site-name = Overleveringshub
site-tagline = saksbehandlerens innboks
skip-to-content = Gå til innholdet
nav-main = Hovedmeny
nav-inbox = Innboks
nav-people = Personer
nav-access-log = Tilgangslogg
nav-admin = Agentens innstillinger
nav-language = Språk
sign-out = Logg ut
footer = Meldinger vises bare for denne virksomheten. Personopplysninger: behandle dem etter virksomhetens regler.
back-to-inbox = Innboks

## Roller
role-caseworker = Saksbehandler
role-coordinator = Koordinator
role-administrator = Administrator

## Logge inn og ut
sign-in-title = Logg inn
sign-in-intro = Logg inn med din egen jobbkonto gjennom virksomhetens innloggingstjeneste. Agenten registrerer det du åpner og sender, under ditt navn.
sign-in-button = Logg inn med jobbkontoen din
sign-in-not-set-up-title = Innlogging er ikke satt opp
sign-in-not-set-up = Denne agenten har ingen innloggingstjeneste, så ingen kan logge inn på siden. Virksomhetens administrator setter den opp i agentens innstillinger (se README). Meldinger utveksles og lagres fortsatt.
sign-in-provider-down = Virksomhetens innloggingstjeneste kan ikke nås akkurat nå, så du kan ikke logge inn. Meldinger kommer fortsatt inn og lagres; ingenting går tapt. Prøv igjen om noen minutter, og si fra til administratoren hvis det varer.
sign-in-refused = Du ble ikke logget inn: { $why } Begynn på nytt.
sign-in-why-provider-said-no = innloggingstjenesten logget deg ikke inn.
sign-in-why-incomplete = svaret fra innloggingstjenesten er ufullstendig.
sign-in-why-other-browser = denne nettleseren startet ikke innloggingen (eller det tok mer enn 10 minutter).
sign-in-why-checks = svaret fra innloggingstjenesten besto ikke kontrollen.
sign-in-no-role = Du er logget inn, men kontoen din har ingen rolle hos denne virksomhetens agent (saksbehandler, koordinator eller administrator). Be administratoren om å gi deg en.
signed-in-title = Logget inn
signed-in-continue = Gå videre til innboksen
signing-out-title = Logger ut
signing-out = Du er logget ut av denne siden.
signing-out-provider = Logg også ut av virksomhetens innloggingstjeneste
signed-out-title = Du er logget ut
signed-out-shared-pc = Lukk nettleseren hvis dette er en delt PC.
sign-in-again = Logg inn igjen

## Avvisninger og feil
refused-title = Avvist
refused-other-site = Skjemaet ble sendt fra et annet nettsted. Åpne innboksen og prøv igjen.
form-expired-title = Skjemaet er utløpt
form-expired = Skjemaet ble ikke sendt fra siden slik den ser ut nå, eller det er for gammelt. Gå tilbake, last inn siden på nytt og prøv igjen.
form-too-large-title = For mye i skjemaet
form-too-large = Skjemaet inneholder mer enn siden tar imot. Gå tilbake og gjør teksten kortere.
not-for-role-title = Ikke for din rolle
not-for-role = Du er logget inn som { $name } ({ $roles }). Denne siden er for andre roller. Spør administratoren hvis arbeidet ditt krever den.
failed-title = Det gikk ikke
not-found-title = Ikke funnet
not-found = Siden eller meldingen finnes ikke her. Gå tilbake til innboksen.
went-wrong-title = Noe gikk galt
went-wrong = Agenten kunne ikke gjøre dette. Årsaken står i agentens logg; si fra til administratoren.
quarantined-title = Meldingen er i karantene
quarantined = Den ble delt med personens samtykke, og personen trakk samtykket tilbake før noen her åpnet meldingen. Den kan ikke lenger åpnes. Hubens utleveringslogg viser fortsatt at den ble levert.

## Meldingstyper
type-ReleaseNotice = Melding om løslatelse
type-HandoverRequest = Forespørsel om overlevering
type-HandoverResponse = Svar på overlevering
type-HandoverCancelled = Overlevering avlyst
type-RelocationRequest = Forespørsel om flytting
type-RelocationConfirmed = Flytting bekreftet
type-ConsentGranted = Samtykke registrert
type-ConsentWithdrawn = Samtykke trukket tilbake
type-InformationRequest = Forespørsel om opplysninger
type-InformationResponse = Svar med opplysninger
type-RiskNeedSummary = Risiko- og behovsvurdering
type-OutcomeReport = Resultatrapport
type-CaseClosed = Sak avsluttet
type-Receipt = Kvittering
type-Undeliverable = Kunne ikke leveres
type-Escalation = Fristen er oversittet
type-KeyPublished = Forseglingsnøkkel publisert
type-KeyDirectory = Nøkkelkatalog
type-PersonLinked = Person knyttet til nytt nummer
type-other = Melding

## Innboks
inbox-title = Innboks
inbox-empty = Innboksen er tom.
inbox-caption = Mottatte meldinger, nyeste først
col-received = Mottatt
col-message = Melding
col-from = Fra
col-case = Sak
col-respond-by = Svar innen
col-status = Status
status-quarantined = I karantene
status-quarantined-why = samtykket er trukket tilbake; kan ikke åpnes
status-new = Ny
status-opened = Åpnet
status-cancelled-by-sender = Avlyst av avsenderen
status-answer-by-you = { $outcome } av dere
outcome-received = Mottatt
outcome-accepted = Akseptert
outcome-rejected = Avvist
due-overdue = oversittet
due-today = i dag
due-tomorrow = (i morgen)
due-in-days = { $days ->
    [one] (om { $days } dag)
   *[other] (om { $days } dager)
}
send-queued = venter på å bli sendt
send-sent = sendt, venter på huben
send-delivered = levert
send-partially = levert til noen
send-refused = avvist av huben
sent-title = Sendt
sent-empty = Ingenting sendt ennå.
sent-caption = Sendte meldinger, nyeste først
col-accepted = Tatt imot for sending
col-hub-answer = Hubens svar

## Tilgangslogg
log-title = Tilgangslogg
log-intro = Hvem i denne virksomheten som har åpnet, søkt etter og sendt hva. Innhold logges aldri: bare hvem, når, hvilken melding og hvilken person (med pseudonym). Ved en persons krav om innsyn eksporterer kommandolinjen alt: agent access-log export --subject …
log-chain-ok = Loggens kjede er ubrutt ({ $entries } oppføringer): ingen oppføring er endret, fjernet eller satt inn.
log-chain-broken = Loggens kjede er brutt. Si fra til personvernombudet.
log-person = Person (pseudonym)
log-user = Bruker (innloggingsnavn eller system)
log-show = Vis
log-none = Ingen oppføringer passer.
log-caption = Nyeste først
log-caption-more = Nyeste først, de siste { $shown } av { $all }
col-when = Når
col-who = Hvem
col-what = Hva
col-person = Person
log-system = { $name } (system, gjennom API-et)
log-command-line = { $name } (kommandolinje)
action-message_opened = åpnet en melding
action-location_opened = åpnet en skjermet adresse
action-identity_opened = åpnet en persons identitet
action-person_opened = åpnet en persons side
action-person_found = fant en person i et søk
action-person_entered = registrerte en person
action-message_sent = sendte en melding
action-other = gjorde noe annet

## Agentens innstillinger
admin-title = Agentens innstillinger
admin-intro = Agenten til { $agency }. Siden viser agentens tilstand, aldri saksopplysninger.
admin-sign-in = Innloggingstjeneste
admin-sign-in-set-up = satt opp
admin-sign-in-not-set-up = ikke satt opp
admin-waiting = Meldinger som venter på å bli sendt
admin-waiting-since = { $count }, den eldste siden { $since }
admin-received = Mottatte meldinger
admin-how = Innstillinger endres i agentens innstillingsfil og miljø (se README), og tilgangsloggen eksporteres med kommandolinjen (agent access-log export).

## En melding
msg-from = Fra { $from }, mottatt { $when }.
msg-not-opened = Fra { $from }, mottatt { $when }. Ikke åpnet ennå.
msg-opening-logged = Når du åpner den, registreres det i virksomhetens logg.
msg-open = Åpne meldingen
msg-not-sent = Ikke sendt:
msg-about-person = Alt om denne personen
answer-title = Deres svar
answer-cancelled = Avsenderen har avlyst forespørselen om overlevering: saken blir hos dem, og det er ingenting å svare på.
answer-done = Dere har svart på denne forespørselen om overlevering.
answer-question = Vil virksomheten deres overta saken?
answer-received = Mottatt: vi har den og ser på den (gir avsenderen beskjed i tide; bestem innen datoen over)
answer-accept = Aksepter: saken flyttes til oss
answer-reject = Avvis
answer-reason = Begrunnelse
answer-reason-hint = Må fylles ut når dere avviser; én linje, høyst 200 tegn. Den andre virksomheten leser den.
answer-reason-kind = Type begrunnelse (når dere avviser)
answer-reason-kind-hint = Telles i det nasjonale kontaktpunktets statistikk; teksten over gjør ikke det.
answer-kind-none = Ikke oppgitt
answer-kind-no_capacity = Ingen kapasitet
answer-kind-not_responsible = Ikke ansvarlig (en annen virksomhet er)
answer-kind-person_declined = Personen takket nei
answer-kind-insufficient_information = For lite opplysninger
answer-kind-other = Annet
answer-send = Send svar
answer-choose = Velg om dere har mottatt den, aksepterer den eller avviser den.
answer-reason-too-long = Begrunnelsen må være én linje på høyst 200 tegn.
answer-reason-needed = En avvisning må begrunnes: skriv hvorfor virksomheten deres ikke kan overta saken.

## Hva en melding sier (felt)
fact-agencies = Virksomheter
fact-allows = Tillater
fact-answer = Svar
fact-answers = Svarer på
fact-attachment = Vedlegg
fact-case = Sak
fact-consent = Samtykke
fact-contact-officer = Kontaktperson
fact-covers = Omfatter
fact-deadline = Frist
fact-delivered = Levert til
fact-earliest-release = Tidligste løslatelse
fact-expected-release = Forventet løslatelse
fact-handover = Overlevering
fact-housing-need = Behov for bolig
fact-income-need = Behov for inntekt
fact-moved-on = Flyttet
fact-needed-by = Trengs innen
fact-needs = Behov
fact-new-case-owner = Ny saksansvarlig
fact-period = Periode
fact-person = Person
fact-plan-so-far = Plan så langt
fact-programme = Program
fact-purpose = Formål
fact-reason = Årsak
fact-refused = Avvist for
fact-relocation = Flytting
fact-respond-by = Svar innen
fact-sent = Sendt
fact-sent-by = Sendt av
fact-shared-under = Delt med hjemmel i
fact-stage = Fase
fact-supervision = Tilsyn
fact-threat-level = Trusselnivå
fact-why = Hvorfor
fact-withdrawn = Trukket tilbake

## En skjermet adresse
sealed-destination = Forseglet bestemmelsessted
sealed-new-address = Forseglet ny adresse
sealed-location = Forseglet oppholdssted
sealed-address = Adresse
sealed-postal-code = Postnummer
sealed-city = Sted
sealed-notes = Merknader
sealed-handle = Et skjermet oppholdssted: åpnet med virksomhetens nøkkel bare for denne siden; agenten holder det forseglet. Behandle det etter virksomhetens regler for skjermede adresser.

## Hvorfor huben avviste en melding, og hva du gjør
reason-MALFORMED_JSON = Meldingen kunne ikke leses i det hele tatt. Si fra til administratoren: feilen ligger i systemet som laget den.
reason-UNKNOWN_MESSAGE_TYPE = Huben kjenner ikke denne typen melding. Si fra til administratoren.
reason-UNSUPPORTED_SCHEMA_VERSION = Meldingen har en formatversjon huben ikke forstår. Si fra til administratoren.
reason-SCHEMA_VIOLATION = Et felt i meldingen mangler eller er feil. Rett det og send på nytt; den tekniske detaljen nevner feltet.
reason-OVERSIZED = Meldingen er for stor. Send færre eller mindre vedlegg.
reason-SENDER_MISMATCH = Meldingen sier at den kommer fra en annen virksomhet enn deres. Si fra til administratoren.
reason-UNKNOWN_SENDER = Huben kjenner ikke (lenger) virksomheten deres. Si fra til administratoren.
reason-CATEGORIES_UNDECLARED = Meldingen inneholder typer opplysninger den ikke oppgir. Si fra til administratoren.
reason-UNKNOWN_RECIPIENT = En mottaker er ukjent for huben. Kontroller mottakeren og send på nytt.
reason-NOT_PERMITTED_FOR_ROLE = Deres type virksomhet kan ikke sende denne typen melding til den typen virksomhet. Kontroller mottakeren.
reason-FORBIDDEN_PURPOSE = Dette formålet kan aldri tillates gjennom huben (etterforskning eller kontroll av ytelser). Ikke send det her.
reason-NO_GATEWAY = Verken loven eller personens samtykke tillater å dele dette med mottakeren. Registrer personens samtykke først, eller ikke del det.
reason-CATEGORY_NOT_COVERED = Samtykket eller loven dekker bare en del av innholdet i meldingen. Send bare det som er dekket, eller be personen utvide samtykket.
reason-DUPLICATE_ID_CONFLICT = En annen melding er allerede sendt med samme id. Send den som en ny melding.
reason-CONSENT_NOT_IN_FORCE = Samtykket som nevnes, gjelder ikke (erstattet eller ikke gyldig ennå). Bruk samtykket som gjelder.
reason-CONSENT_WITHDRAWN = Personen har trukket samtykket tilbake. Ingenting mer kan deles på grunnlag av det.
reason-CONSENT_EXPIRED = Perioden for samtykket er utløpt. Be personen om et nytt samtykke.
reason-CONSENT_NEEDS_RECONFIRMATION = Personen har fylt 18 og må selv bekrefte samtykket vergen ga. Be personen bekrefte det.
reason-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Mottakeren kan aldri få noen av disse opplysningene (for eksempel en skjermet adresse). Utelat dem.
reason-NOT_CUSTODIAN = Bare virksomheten som har personens samtykkeerklæring, kan registrere en ny versjon. Spør den virksomheten.
reason-INVALID_CONSENT = Samtykket bryter en regel (en periode over 12 måneder, en mindreårig uten verge eller versjoner i feil rekkefølge). Rett samtykket og registrer det på nytt.
reason-NOT_PARTICIPANT = Virksomheten deres deltar ikke i denne saken. Kontroller saken.
reason-NOT_CASE_OWNER = Bare virksomheten som eier saken, kan gjøre dette. Spør saksansvarlig.
reason-NOT_ADDRESSED_RECIPIENT = Bare virksomheten overleveringen ble sendt til, kan svare på den.
reason-INVALID_TRANSITION = Saken eller overleveringen er ikke i en fase der dette kan gjøres (kanskje den allerede er besvart). Se på saken.
reason-UNKNOWN_HANDOVER = Huben kjenner ingen slik overlevering i denne saken. Kontroller saken.
reason-CASE_CLOSED = Saken er avsluttet. Ingenting mer kan sendes om den.
reason-SEALED_FOR_UNENTITLED = Et skjermet felt ble forseglet til en virksomhet som ikke kan lese det. Si fra til administratoren.
reason-SEALED_COPY_MISSING = En mottaker av et skjermet felt har ingen egen kopi. Send meldingen på nytt.
reason-SEALED_KEY_UNKNOWN = Et skjermet felt ble forseglet med en nøkkel huben ikke kjenner. Send meldingen på nytt om noen minutter.
reason-INVALID_KEY = Agentens forseglingsnøkkel er ikke gyldig. Si fra til administratoren.
reason-UNPROCESSABLE = Huben kunne ikke registrere meldingen. Ingenting ble levert. Si fra til administratoren.
reason-UNKNOWN_PROGRAMME = Samtykket nevner et program huben ikke kjenner. Kontroller programmet.
reason-NOT_PROGRAMME_CUSTODIAN = Virksomheten deres kan ikke ha dette programmets samtykkeerklæringer. Virksomheten som har dem, registrerer samtykket.
reason-CONSENT_ALREADY_IN_FORCE = Personen har allerede et gjeldende samtykke for dette programmet. Registrer heller en ny versjon av det.
reason-WITHDRAWAL_EVIDENCE_MISSING = En tilbaketrekking registrert av en annen virksomhet enn den som har samtykket, må ha dokumentasjon: hvem mottok personens ønske, når og hvordan. Legg det til og send på nytt.
reason-SUBJECT_MISMATCH = Saken gjelder en annen person enn den meldingen nevner. Kontroller saken og personen.
reason-REASON_REQUIRED = En begrunnelse mangler: en avvisning eller avlysning må si hvorfor. Legg den til og send på nytt.
reason-OUTSIDE_HANDOVER = Et svar går bare til virksomheten som spurte, og en avlysning bare til den som ble spurt. Kontroller mottakeren.
reason-RATE_LIMITED = Agenten har sendt for mange av disse på kort tid. Den prøver selv igjen senere.
reason-LINK_CONFLICT = De to numrene kan ikke knyttes sammen som én person: det nye er allerede i bruk, eller det gamle er allerede knyttet. Kontroller numrene.
reason-other = Huben avviste meldingen. Si fra til administratoren.
sent-technical = Teknisk detalj (til administratoren)

## Typer personopplysninger
category-IDENTITY = hvem personen er (fødselsnummer, navn, fødselsdato)
category-CONTACT = kontaktopplysninger
category-PROTECTED_LOCATION = en skjermet adresse
category-SENTENCE_RELEASE = dom og løslatelse
category-CRIMINAL_HISTORY = kriminell bakgrunn
category-RISK_NEED = risiko og behov
category-HEALTH_SUBSTANCE = helse og rus
category-ECONOMY_BENEFITS = bolig, inntekt og ytelser
category-EDUCATION_EMPLOYMENT = utdanning og arbeid
category-CASE_STATUS = hvor saken står
category-OUTCOME = resultater
withheld-title = Ikke delt med virksomheten deres
withheld-explained = Avsenderens melding inneholdt mer enn dette. Loven eller personens samtykke gir ikke virksomheten deres tilgang til det følgende, så huben fjernet det før meldingen nådde dere, og registrerte det. Trenger dere det i arbeidet, be personen om samtykke.

## Samtykke på en meldings side
consent-title = Samtykke fra denne personen
consent-none = Virksomheten har ikke noe samtykke fra denne personen. Meldinger om personen når bare virksomheten der en lov tillater det.
consent-held-by-hub = Meldingen ble delt med personens samtykke (versjon { $version }). Huben har samtykket; virksomheten har ingen kopi av det.
consent-versions-seen = Versjonene av samtykket som agenten har sendt eller mottatt. Huben har det gjeldende samtykket.
withdraw-summary = Personen trekker tilbake dette samtykket
withdraw-explain = Registrer det så snart personen sier det. Det gjelder straks: ingenting mer deles på grunnlag av det, virksomhetene som har fått opplysninger, får beskjed, og uåpnede meldinger som kom på grunnlag av det, kan ikke lenger åpnes.
withdraw-received-by = Mottatt av (din rolle eller tittel)
withdraw-channel = Hvordan personen sa det
withdraw-channel-in_person = Personlig
withdraw-channel-in_writing = Skriftlig
withdraw-channel-by_phone = På telefon
withdraw-channel-digital = Digitalt
withdraw-confirm = Personen har sagt at de trekker tilbake samtykket
withdraw-button = Registrer tilbaketrekkingen
withdraw-need-confirm = Kryss av for å bekrefte at personen har trukket tilbake samtykket, og registrer på nytt.
withdraw-need-received-by = Skriv hvem som mottok personens ønske (en rolle eller tittel, høyst 200 tegn).
withdraw-need-channel = Velg hvordan personen sa det.
withdraw-done = Tilbaketrekkingen er registrert og på vei til huben, som straks stopper all deling på grunnlag av samtykket.

## Navigasjon til arbeidsoversiktene og sendesiden
nav-due = Frister
nav-cases = Saker
nav-releases = Løslatelser
nav-send-any = Send

## Hvorfor en melding deles (formål)
purpose-REINTEGRATION_PLANNING = planlegging av tilbakeføring
purpose-RELEASE_COORDINATION = koordinering av løslatelse
purpose-RELOCATION_SAFETY = flytting av sikkerhetshensyn
purpose-CASE_COORDINATION = koordinering av saken
purpose-OUTCOME_STATISTICS = resultatstatistikk
purpose-CRIMINAL_INVESTIGATION = etterforskning
purpose-BENEFIT_FRAUD_CONTROL = kontroll med trygdesvindel

## Risiko- og trusselnivåer, behovsområder
risk-level-very_low = svært lav
risk-level-low = lav
risk-level-medium = middels
risk-level-high = høy
risk-level-very_high = svært høy
need-area-education_employment = utdanning og arbeid
need-area-family_marital = familie og parforhold
need-area-accommodation = bolig
need-area-leisure_recreation = fritid
need-area-companions = omgangskrets
need-area-alcohol_drug = alkohol og rusmidler
need-area-procriminal_attitude = kriminelle holdninger
need-area-antisocial_pattern = antisosialt mønster
threat-level-low = lavt
threat-level-moderate = moderat
threat-level-high = høyt
threat-level-severe = alvorlig

## Hva en melding sier (verdier)
value-identity-not-shared = identiteten er ikke delt med etaten din
value-identity-unreadable = identiteten kunne ikke åpnes: { $why }
value-person = { $name }, { $label } { $number }, født { $born }
value-number-dk = dansk CPR-nummer
value-number-no = fødselsnummer
value-number-se = svensk personnummer
value-pseudonym = kjent for huben bare under pseudonym ({ $pseudonym })
value-under-statute = loven ({ $statute })
value-under-consent = personens samtykke (versjon { $version })
value-staff-caseworker = saksbehandler
value-staff-coordinator = koordinator
value-sent-by = { $name } ({ $role })
value-outcome-received = mottatt (ikke avgjort ennå)
value-outcome-accepted = akseptert: saken går over til dem
value-outcome-rejected = avslått
value-handover-cancelled = trukket tilbake av avsenderen: saken blir hos dem, det er ingenting å svare på
value-consent-version = versjon { $version }
value-period = { $start } til { $end }
value-nobody = ingen
value-partial = Delvis: noe av det det ble spurt om, er ikke besvart.
value-escalation = { $deadline }, frist { $due }, { $days } dager over fristen
value-person-linked = kjent under et nytt fødselsnummer; huben kobler de to
value-supervision-until = { $supervision } til { $until }
value-withdrawn-entire = hele samtykket
value-withdrawn-sharing = bare deling med { $whom }
value-list = { $init } og { $last }
need-unknown = Ikke kjent
deadline-release_notice = melding om løslatelse senest 3 måneder før løslatelsen
deadline-handover_received = forespørsel om overlevering kvittert som mottatt innen 2 arbeidsdager
deadline-handover_answered = forespørsel om overlevering besvart innen 10 arbeidsdager
deadline-relocation_answered = flytting besvart innen 2 kalenderdager
stage-referred = henvist
stage-intake = inntak
stage-active = aktiv
stage-suspended = stilt i bero
stage-closed = avsluttet
agency-role-municipality = kommunene
agency-role-police = politiet
agency-role-prison_probation = kriminalomsorgen
agency-role-employment = NAV
agency-role-national_contact_point = det nasjonale kontaktpunktet
consent-s-nothing = Deler ingenting: samtykket har ingen bestemmelser.
consent-s-any-data = alle opplysninger
consent-s-shares = Deler { $what }
consent-s-except-shares = Unntatt: deler { $what }
consent-s-except-not = Unntatt: deler ikke { $what }
consent-s-with = med { $whom }
consent-s-in = i { $kinds }
consent-s-for = for { $why }
consent-s-from-until = fra { $start } til { $end }
consent-s-until = til { $end }
fact-asks-about = Spør om
fact-question = Spørsmål
fact-partial = Delvis svar
fact-instrument = Verktøy
fact-assessed-on = Vurdert den
fact-risk-level = Risikonivå
fact-top-needs = Viktigste behov
fact-case-ended = Hvorfor saken endte
fact-ended-on = Endte
fact-no-new-serious-charge = Ingen ny alvorlig siktelse 12 måneder etter
fact-in-education-or-job = I utdanning eller jobb 3 måneder etter
fact-closed = Avsluttet

## Where a consent version stands
consent-status-refused = avvist av huben: { $why }
consent-status-unconfirmed = sendt; huben har ikke bekreftet det ennå
consent-status-superseded = erstattet av versjon { $version }
consent-status-withdrawn = trukket tilbake av personen { $on }
consent-status-partly-withdrawn = gjelder, unntatt for { $whom }: trukket tilbake for dem { $on }
consent-status-expired = utløp { $on }
consent-status-not-yet = gjelder ikke ennå (fra { $on })
consent-status-in-force = gjelder
consent-source-this-agency = registrert av denne etaten
consent-source-received = mottatt fra { $from }
consent-version-heading = Versjon { $version }: { $status }

## An escalation explained
escalation-title = Hva som har skjedd, og hva du skal gjøre
escalation-to-coordinator = En frist er oversittet: { $late } skulle ha handlet senest { $due } og er { $days } dager forsinket, og { $waiting } venter. Som koordinator får du beskjed først, så saken ikke stopper opp.
escalation-to-coordinator-todo = Be saksbehandleren hos { $late } (eller din egen saksbehandler, hvis det forsinkede steget er deres) om å handle i dag. Skjer det ikke i tide, får det nasjonale kontaktpunktet beskjed.
escalation-to-contact-point = En frist er oversittet to ganger: { $late } skulle ha handlet senest { $due } og er { $days } dager forsinket, og { $waiting } venter. Koordinatorene har fått beskjed, og det er fortsatt ikke gjort.
escalation-to-contact-point-todo = Kontakt koordinatorene i begge etatene og avtal hvem som handler, og når. Du ser personen bare under pseudonym.

## Why a sealed field could not be read
sealed-why-removed = Huben fjernet den forseglede adressen: etaten din kan ikke få den.
sealed-why-none-sent = Avsenderen sendte ingen forseglet adresse.
sealed-why-none-came = Det fulgte ingen forseglet adresse med denne meldingen.
sealed-why-not-a-location = Den ble åpnet, men innholdet er ikke en adresse denne agenten kan lese. Kontakt administratoren din.
sealed-why-not-an-identity = Den ble åpnet, men innholdet er ikke en identitet denne agenten kan lese. Kontakt administratoren din.
sealed-why-for-others = Forseglet for andre etater; etaten din kan ikke lese den.
sealed-why-for = Forseglet for { $whom }; etaten din kan ikke lese den.
sealed-why-key-gone = Forseglet til en nøkkel denne agenten ikke lenger har ({ $key }). Kontakt administratoren din: en sikkerhetskopi av agentens nøkler kan ha den.
sealed-why-scheme = Forseglet på en måte denne agenten ikke kjenner ({ $scheme }). Kontakt administratoren din: agenten må kanskje oppdateres.
sealed-why-damaged = Etatens kopi kan ikke åpnes: den er skadet eller ikke forseglet for denne meldingen. Be avsenderen sende den på nytt.
