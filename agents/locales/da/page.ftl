# Sagsbehandlerens side, dansk.

## Sidens ramme
site-name = Overdragelseshub
site-tagline = sagsbehandlerens indbakke
skip-to-content = Gå til indholdet
nav-main = Hovedmenu
nav-inbox = Indbakke
nav-people = Personer
nav-access-log = Adgangslog
nav-admin = Agentens indstillinger
nav-language = Sprog
sign-out = Log ud
footer = Meddelelser vises kun for denne myndighed. Personoplysninger: behandl dem efter din myndigheds regler.
back-to-inbox = Indbakke

## Roller
role-caseworker = Sagsbehandler
role-coordinator = Koordinator
role-administrator = Administrator

## Log ind og ud
sign-in-title = Log ind
sign-in-intro = Log ind med din egen arbejdskonto via din myndigheds login-tjeneste. Agenten registrerer, hvad du åbner og sender, under dit navn.
sign-in-button = Log ind med din arbejdskonto
sign-in-not-set-up-title = Login er ikke sat op
sign-in-not-set-up = Denne agent har ingen login-tjeneste, så ingen kan logge ind på siden. Myndighedens administrator sætter det op i agentens indstillinger (se README). Meddelelser udveksles og gemmes stadig.
sign-in-provider-down = Din myndigheds login-tjeneste kan ikke nås lige nu, så du kan ikke logge ind. Meddelelser bliver ved med at komme og gemmes; intet går tabt. Prøv igen om nogle minutter, og sig det til din administrator, hvis det varer ved.
sign-in-refused = Du blev ikke logget ind: { $why } Start forfra.
sign-in-why-provider-said-no = login-tjenesten loggede dig ikke ind.
sign-in-why-incomplete = svaret fra login-tjenesten er ufuldstændigt.
sign-in-why-other-browser = denne browser startede ikke login (eller det tog mere end 10 minutter).
sign-in-why-checks = svaret fra login-tjenesten bestod ikke kontrollen.
sign-in-no-role = Du er logget ind, men din konto har ingen rolle hos denne myndigheds agent (sagsbehandler, koordinator eller administrator). Bed din administrator om at give dig en.
signed-in-title = Logget ind
signed-in-continue = Fortsæt til indbakken
signing-out-title = Logger ud
signing-out = Du er logget ud af denne side.
signing-out-provider = Log også ud af din myndigheds login-tjeneste
signed-out-title = Du er logget ud
signed-out-shared-pc = Luk browseren, hvis det er en delt pc.
sign-in-again = Log ind igen

## Afvisninger og fejl
refused-title = Afvist
refused-other-site = Formularen blev sendt fra et andet websted. Åbn indbakken og prøv igen.
form-expired-title = Formularen er udløbet
form-expired = Formularen blev ikke sendt fra siden, som den ser ud nu, eller den er for gammel. Gå tilbage, genindlæs siden og prøv igen.
form-too-large-title = For meget i formularen
form-too-large = Formularen indeholder mere, end siden kan modtage. Gå tilbage og gør teksten kortere.
not-for-role-title = Ikke for din rolle
not-for-role = Du er logget ind som { $name } ({ $roles }). Denne side er for andre roller. Spørg din administrator, hvis dit arbejde kræver den.
failed-title = Det lykkedes ikke
not-found-title = Ikke fundet
not-found = Siden eller meddelelsen findes ikke her. Gå tilbage til indbakken.
went-wrong-title = Noget gik galt
went-wrong = Agenten kunne ikke gøre dette. Årsagen står i agentens log; sig det til din administrator.
quarantined-title = Meddelelsen er i karantæne
quarantined = Den blev delt med personens samtykke, og personen trak samtykket tilbage, før nogen her åbnede meddelelsen. Den kan ikke længere åbnes. Hubbens videregivelseslog viser stadig, at den blev leveret.

## Meddelelsestyper
type-ReleaseNotice = Løsladelsesmeddelelse
type-HandoverRequest = Anmodning om overdragelse
type-HandoverResponse = Svar på overdragelse
type-HandoverCancelled = Overdragelse annulleret
type-RelocationRequest = Anmodning om flytning
type-RelocationConfirmed = Flytning bekræftet
type-ConsentGranted = Samtykke registreret
type-ConsentWithdrawn = Samtykke trukket tilbage
type-InformationRequest = Anmodning om oplysninger
type-InformationResponse = Svar med oplysninger
type-RiskNeedSummary = Risiko- og behovsvurdering
type-OutcomeReport = Resultatrapport
type-CaseClosed = Sag afsluttet
type-Receipt = Kvittering
type-Undeliverable = Kunne ikke leveres
type-Escalation = Fristen er overskredet
type-KeyPublished = Forseglingsnøgle offentliggjort
type-KeyDirectory = Nøglekatalog
type-PersonLinked = Person knyttet til nyt nummer
type-other = Meddelelse

## Indbakke
inbox-title = Indbakke
inbox-empty = Indbakken er tom.
inbox-caption = Modtagne meddelelser, nyeste først
col-received = Modtaget
col-message = Meddelelse
col-from = Fra
col-case = Sag
col-respond-by = Svar senest
col-status = Status
status-quarantined = I karantæne
status-quarantined-why = samtykket er trukket tilbage; kan ikke åbnes
status-new = Ny
status-opened = Åbnet
status-cancelled-by-sender = Annulleret af afsenderen
status-answer-by-you = { $outcome } af jer
outcome-received = Modtaget
outcome-accepted = Accepteret
outcome-rejected = Afvist
due-overdue = overskredet
due-today = i dag
due-tomorrow = (i morgen)
due-in-days = { $days ->
    [one] (om { $days } dag)
   *[other] (om { $days } dage)
}
send-queued = venter på at blive sendt
send-sent = sendt, venter på hubben
send-delivered = leveret
send-partially = leveret til nogle
send-refused = afvist af hubben
sent-title = Sendt
sent-empty = Intet sendt endnu.
sent-caption = Sendte meddelelser, nyeste først
col-accepted = Modtaget til afsendelse
col-hub-answer = Hubbens svar

## Adgangslog
log-title = Adgangslog
log-intro = Hvem hos denne myndighed der har åbnet, søgt efter og sendt hvad. Indhold logges aldrig: kun hvem, hvornår, hvilken meddelelse og hvilken person (ved pseudonym). Ved en persons anmodning om indsigt eksporterer kommandolinjen det hele: agent access-log export --subject …
log-chain-ok = Loggens kæde er ubrudt ({ $entries } poster): ingen post er ændret, fjernet eller indsat.
log-chain-broken = Loggens kæde er brudt. Sig det til jeres databeskyttelsesrådgiver.
log-person = Person (pseudonym)
log-user = Bruger (login-navn eller system)
log-show = Vis
log-none = Ingen poster passer.
log-caption = Nyeste først
log-caption-more = Nyeste først, de seneste { $shown } af { $all }
col-when = Hvornår
col-who = Hvem
col-what = Hvad
col-person = Person
log-system = { $name } (system, via API'et)
log-command-line = { $name } (kommandolinje)
action-message_opened = åbnede en meddelelse
action-location_opened = åbnede en beskyttet adresse
action-identity_opened = åbnede en persons identitet
action-person_opened = åbnede en persons side
action-person_found = fandt en person ved søgning
action-person_entered = registrerede en person
action-message_sent = sendte en meddelelse
action-other = gjorde noget andet

## Agentens indstillinger
admin-title = Agentens indstillinger
admin-intro = Agenten for { $agency }. Siden viser agentens tilstand, aldrig sagsoplysninger.
admin-sign-in = Login-tjeneste
admin-sign-in-set-up = sat op
admin-sign-in-not-set-up = ikke sat op
admin-waiting = Meddelelser, der venter på at blive sendt
admin-waiting-since = { $count }, den ældste siden { $since }
admin-received = Modtagne meddelelser
admin-how = Indstillinger ændres i agentens indstillingsfil og miljø (se README), og adgangsloggen eksporteres med kommandolinjen (agent access-log export).

## En meddelelse
msg-from = Fra { $from }, modtaget { $when }.
msg-not-opened = Fra { $from }, modtaget { $when }. Ikke åbnet endnu.
msg-opening-logged = Når du åbner den, registreres det i myndighedens log.
msg-open = Åbn meddelelsen
msg-not-sent = Ikke sendt:
msg-about-person = Alt om denne person
answer-title = Jeres svar
answer-cancelled = Afsenderen har annulleret anmodningen om overdragelse: sagen bliver hos dem, og der er intet at svare på.
answer-done = I har svaret på denne anmodning om overdragelse.
answer-question = Vil jeres myndighed overtage sagen?
answer-received = Modtaget: vi har den og ser på den (giver afsenderen besked i tide; beslut senest datoen ovenfor)
answer-accept = Acceptér: sagen flytter til os
answer-reject = Afvis
answer-reason = Begrundelse
answer-reason-hint = Skal udfyldes, når I afviser; én linje, højst 200 tegn. Den anden myndighed læser den.
answer-reason-kind = Type af begrundelse (når I afviser)
answer-reason-kind-hint = Tælles med i det nationale kontaktpunkts statistik; teksten ovenfor gør ikke.
answer-kind-none = Ikke angivet
answer-kind-no_capacity = Ingen kapacitet
answer-kind-not_responsible = Ikke ansvarlig (en anden myndighed er)
answer-kind-person_declined = Personen takkede nej
answer-kind-insufficient_information = Utilstrækkelige oplysninger
answer-kind-other = Andet
answer-send = Send svar
answer-choose = Vælg, om I har modtaget den, accepterer den eller afviser den.
answer-reason-too-long = Begrundelsen skal være én linje på højst 200 tegn.
answer-reason-needed = En afvisning kræver en begrundelse: skriv, hvorfor jeres myndighed ikke kan overtage sagen.

## Hvad en meddelelse siger (felter)
fact-agencies = Myndigheder
fact-allows = Tillader
fact-answer = Svar
fact-answers = Svarer på
fact-attachment = Bilag
fact-case = Sag
fact-consent = Samtykke
fact-contact-officer = Kontaktperson
fact-covers = Omfatter
fact-deadline = Frist
fact-delivered = Leveret til
fact-earliest-release = Tidligste løsladelse
fact-expected-release = Forventet løsladelse
fact-handover = Overdragelse
fact-housing-need = Behov for bolig
fact-income-need = Behov for forsørgelse
fact-moved-on = Flyttede den
fact-needed-by = Skal bruges senest
fact-needs = Behov
fact-new-case-owner = Ny sagsejer
fact-period = Periode
fact-person = Person
fact-plan-so-far = Plan indtil nu
fact-programme = Program
fact-purpose = Formål
fact-reason = Årsag
fact-refused = Afvist for
fact-relocation = Flytning
fact-respond-by = Svar senest
fact-sent = Sendt
fact-sent-by = Sendt af
fact-shared-under = Delt med hjemmel i
fact-stage = Fase
fact-supervision = Tilsyn
fact-threat-level = Trusselsniveau
fact-why = Hvorfor
fact-withdrawn = Trukket tilbage

## En beskyttet adresse
sealed-destination = Forseglet destination
sealed-new-address = Forseglet ny adresse
sealed-location = Forseglet opholdssted
sealed-address = Adresse
sealed-postal-code = Postnummer
sealed-city = By
sealed-notes = Bemærkninger
sealed-handle = Et beskyttet opholdssted: åbnet med myndighedens nøgle kun til denne side; agenten holder det forseglet. Behandl det efter myndighedens regler for beskyttede adresser.

## Hvorfor hubben afviste en meddelelse, og hvad du gør
reason-MALFORMED_JSON = Meddelelsen kunne slet ikke læses. Sig det til din administrator: fejlen ligger i det system, der lavede den.
reason-UNKNOWN_MESSAGE_TYPE = Hubben kender ikke denne type meddelelse. Sig det til din administrator.
reason-UNSUPPORTED_SCHEMA_VERSION = Meddelelsen har en formatversion, som hubben ikke forstår. Sig det til din administrator.
reason-SCHEMA_VIOLATION = Et felt i meddelelsen mangler eller er forkert. Ret det og send igen; den tekniske detalje nævner feltet.
reason-OVERSIZED = Meddelelsen er for stor. Send færre eller mindre bilag.
reason-SENDER_MISMATCH = Meddelelsen siger, at den kommer fra en anden myndighed end jeres. Sig det til din administrator.
reason-UNKNOWN_SENDER = Hubben kender ikke (længere) jeres myndighed. Sig det til din administrator.
reason-CATEGORIES_UNDECLARED = Meddelelsen indeholder typer af oplysninger, den ikke angiver. Sig det til din administrator.
reason-UNKNOWN_RECIPIENT = En modtager er ukendt for hubben. Kontrollér modtageren og send igen.
reason-NOT_PERMITTED_FOR_ROLE = Jeres type myndighed må ikke sende denne type meddelelse til den type myndighed. Kontrollér modtageren.
reason-FORBIDDEN_PURPOSE = Dette formål kan aldrig tillades via hubben (efterforskning eller kontrol af ydelser). Send det ikke her.
reason-NO_GATEWAY = Hverken loven eller personens samtykke tillader at dele dette med modtageren. Registrér først personens samtykke, eller del det ikke.
reason-CATEGORY_NOT_COVERED = Samtykket eller loven dækker kun en del af meddelelsens indhold. Send kun det, der er dækket, eller bed personen om at udvide samtykket.
reason-DUPLICATE_ID_CONFLICT = En anden meddelelse er allerede sendt med samme id. Send den som en ny meddelelse.
reason-CONSENT_NOT_IN_FORCE = Det nævnte samtykke gælder ikke (erstattet eller endnu ikke gyldigt). Brug det gældende samtykke.
reason-CONSENT_WITHDRAWN = Personen har trukket samtykket tilbage. Intet mere må deles med det som grundlag.
reason-CONSENT_EXPIRED = Samtykkets periode er udløbet. Bed personen om et nyt samtykke.
reason-CONSENT_NEEDS_RECONFIRMATION = Personen er fyldt 18 og skal selv bekræfte det samtykke, værgen gav. Bed personen om at bekræfte det.
reason-CATEGORY_FORBIDDEN_FOR_RECIPIENT = Modtageren må aldrig få nogle af disse oplysninger (fx en beskyttet adresse). Udelad dem.
reason-NOT_CUSTODIAN = Kun den myndighed, der har personens samtykkeerklæring, må registrere en ny version. Spørg den myndighed.
reason-INVALID_CONSENT = Samtykket bryder en regel (en periode over 12 måneder, en mindreårig uden værge eller versioner i forkert rækkefølge). Ret samtykket og registrér det igen.
reason-NOT_PARTICIPANT = Jeres myndighed deltager ikke i denne sag. Kontrollér sagen.
reason-NOT_CASE_OWNER = Kun den myndighed, der ejer sagen, må gøre dette. Spørg sagsejeren.
reason-NOT_ADDRESSED_RECIPIENT = Kun den myndighed, overdragelsen blev sendt til, må svare på den.
reason-INVALID_TRANSITION = Sagen eller overdragelsen er ikke i en fase, hvor dette kan gøres (måske er den allerede besvaret). Se på sagen.
reason-UNKNOWN_HANDOVER = Hubben kender ingen sådan overdragelse i denne sag. Kontrollér sagen.
reason-CASE_CLOSED = Sagen er afsluttet. Der kan ikke sendes mere om den.
reason-SEALED_FOR_UNENTITLED = Et beskyttet felt blev forseglet til en myndighed, der ikke må læse det. Sig det til din administrator.
reason-SEALED_COPY_MISSING = En modtager af et beskyttet felt har ingen kopi til sig selv. Send meddelelsen igen.
reason-SEALED_KEY_UNKNOWN = Et beskyttet felt blev forseglet med en nøgle, hubben ikke kender. Send meddelelsen igen om nogle minutter.
reason-INVALID_KEY = Agentens forseglingsnøgle er ikke gyldig. Sig det til din administrator.
reason-UNPROCESSABLE = Hubben kunne ikke registrere meddelelsen. Intet blev leveret. Sig det til din administrator.
reason-UNKNOWN_PROGRAMME = Samtykket nævner et program, hubben ikke kender. Kontrollér programmet.
reason-NOT_PROGRAMME_CUSTODIAN = Jeres myndighed må ikke have dette programs samtykkeerklæringer. Den myndighed, der har dem, registrerer samtykket.
reason-CONSENT_ALREADY_IN_FORCE = Personen har allerede et gældende samtykke til dette program. Registrér i stedet en ny version af det.
reason-WITHDRAWAL_EVIDENCE_MISSING = En tilbagetrækning registreret af en anden myndighed end den, der har samtykket, skal have dokumentation: hvem modtog personens ønske, hvornår og hvordan. Tilføj det og send igen.
reason-SUBJECT_MISMATCH = Sagen handler om en anden person end den, meddelelsen nævner. Kontrollér sagen og personen.
reason-REASON_REQUIRED = Der mangler en begrundelse: en afvisning eller annullering skal sige hvorfor. Tilføj den og send igen.
reason-OUTSIDE_HANDOVER = Et svar går kun til den myndighed, der spurgte, og en annullering kun til den, der blev spurgt. Kontrollér modtageren.
reason-RATE_LIMITED = Agenten har sendt for mange af disse på kort tid. Den prøver selv igen senere.
reason-LINK_CONFLICT = De to numre kan ikke knyttes sammen som én person: det nye er allerede i brug, eller det gamle er allerede knyttet. Kontrollér numrene.
reason-other = Hubben afviste meddelelsen. Sig det til din administrator.
sent-technical = Teknisk detalje (til din administrator)

## Typer af personoplysninger
category-IDENTITY = hvem personen er (personnummer, navn, fødselsdato)
category-CONTACT = kontaktoplysninger
category-PROTECTED_LOCATION = en beskyttet adresse
category-SENTENCE_RELEASE = dom og løsladelse
category-CRIMINAL_HISTORY = kriminel fortid
category-RISK_NEED = risiko og behov
category-HEALTH_SUBSTANCE = helbred og misbrug
category-ECONOMY_BENEFITS = bolig, indkomst og ydelser
category-EDUCATION_EMPLOYMENT = uddannelse og beskæftigelse
category-CASE_STATUS = sagens stade
category-OUTCOME = resultater
withheld-title = Ikke delt med jeres myndighed
withheld-explained = Afsenderens meddelelse indeholdt mere end dette. Loven eller personens samtykke giver ikke jeres myndighed adgang til følgende, så hubben fjernede det, før meddelelsen nåede jer, og registrerede det. Har jeres arbejde brug for det, så bed personen om samtykke.

## Samtykke på en meddelelses side
consent-title = Samtykke fra denne person
consent-none = Myndigheden har intet samtykke fra denne person. Meddelelser om personen når kun myndigheden, hvor en lov tillader det.
consent-held-by-hub = Meddelelsen blev delt med personens samtykke (version { $version }). Hubben har samtykket; myndigheden har ingen kopi af det.
consent-versions-seen = De versioner af samtykket, som agenten har sendt eller modtaget. Hubben har det gældende samtykke.
withdraw-summary = Personen trækker dette samtykke tilbage
withdraw-explain = Registrér det, så snart personen siger det. Det virker med det samme: intet mere deles med det som grundlag, de myndigheder, der har fået oplysninger, får besked, og uåbnede meddelelser, der kom med det som grundlag, kan ikke længere åbnes.
withdraw-received-by = Modtaget af (din rolle eller titel)
withdraw-channel = Hvordan personen sagde det
withdraw-channel-in_person = Personligt
withdraw-channel-in_writing = Skriftligt
withdraw-channel-by_phone = Telefonisk
withdraw-channel-digital = Digitalt
withdraw-confirm = Personen har sagt, at de trækker samtykket tilbage
withdraw-button = Registrér tilbagetrækningen
withdraw-need-confirm = Sæt kryds for at bekræfte, at personen har trukket samtykket tilbage, og registrér igen.
withdraw-need-received-by = Skriv, hvem der modtog personens ønske (en rolle eller titel, højst 200 tegn).
withdraw-need-channel = Vælg, hvordan personen sagde det.
withdraw-done = Tilbagetrækningen er registreret og på vej til hubben, som straks stopper al deling med samtykket som grundlag.

## Navigation til arbejdsoversigterne og send-siden
nav-due = Frister
nav-cases = Sager
nav-releases = Løsladelser
nav-send-any = Send

## Hvorfor en meddelelse deles (formål)
purpose-REINTEGRATION_PLANNING = planlægning af reintegration
purpose-RELEASE_COORDINATION = koordinering af løsladelse
purpose-RELOCATION_SAFETY = flytning af sikkerhedshensyn
purpose-CASE_COORDINATION = koordinering af sagen
purpose-OUTCOME_STATISTICS = resultatstatistik
purpose-CRIMINAL_INVESTIGATION = efterforskning
purpose-BENEFIT_FRAUD_CONTROL = kontrol med socialt bedrageri

## Risiko- og trusselsniveauer, behovsområder
risk-level-very_low = meget lav
risk-level-low = lav
risk-level-medium = middel
risk-level-high = høj
risk-level-very_high = meget høj
need-area-education_employment = uddannelse og beskæftigelse
need-area-family_marital = familie og parforhold
need-area-accommodation = bolig
need-area-leisure_recreation = fritid
need-area-companions = omgangskreds
need-area-alcohol_drug = alkohol og stoffer
need-area-procriminal_attitude = kriminelle holdninger
need-area-antisocial_pattern = antisocialt mønster
threat-level-low = lavt
threat-level-moderate = moderat
threat-level-high = højt
threat-level-severe = alvorligt

## Hvad en meddelelse siger (værdier)
value-identity-not-shared = identiteten er ikke delt med din myndighed
value-identity-unreadable = identiteten kunne ikke åbnes: { $why }
value-person = { $name }, { $label } { $number }, født { $born }
value-number-dk = CPR-nummer
value-number-no = norsk fødselsnummer
value-number-se = svensk personnummer
value-pseudonym = kendt af hubben kun under pseudonym ({ $pseudonym })
value-under-statute = loven ({ $statute })
value-under-consent = personens samtykke (version { $version })
value-staff-caseworker = sagsbehandler
value-staff-coordinator = koordinator
value-sent-by = { $name } ({ $role })
value-outcome-received = modtaget (endnu ikke besluttet)
value-outcome-accepted = accepteret: sagen overgår til dem
value-outcome-rejected = afvist
value-handover-cancelled = trukket tilbage af afsenderen: sagen bliver hos dem, der er intet at svare på
value-consent-version = version { $version }
value-period = { $start } til { $end }
value-nobody = ingen
value-partial = Delvist: noget af det, der blev spurgt om, er ikke besvaret.
value-escalation = { $deadline }, frist { $due }, { $days } dage over fristen
value-person-linked = kendt under et nyt personnummer; hubben forbinder de to
value-supervision-until = { $supervision } indtil { $until }
value-withdrawn-entire = hele samtykket
value-withdrawn-sharing = kun deling med { $whom }
value-list = { $init } og { $last }
need-unknown = Ikke kendt
deadline-release_notice = løsladelsesmeddelelse senest 3 måneder før løsladelsen
deadline-handover_received = anmodning om overdragelse kvitteret som modtaget inden for 2 arbejdsdage
deadline-handover_answered = anmodning om overdragelse besvaret inden for 10 arbejdsdage
deadline-relocation_answered = flytning besvaret inden for 2 kalenderdage
stage-referred = henvist
stage-intake = visitation
stage-active = aktiv
stage-suspended = sat i bero
stage-closed = afsluttet
agency-role-municipality = kommunerne
agency-role-police = politiet
agency-role-prison_probation = Kriminalforsorgen
agency-role-employment = jobcentret
agency-role-national_contact_point = det nationale kontaktpunkt
consent-s-nothing = Deler intet: samtykket har ingen bestemmelser.
consent-s-any-data = alle oplysninger
consent-s-shares = Deler { $what }
consent-s-except-shares = Undtagen: deler { $what }
consent-s-except-not = Undtagen: deler ikke { $what }
consent-s-with = med { $whom }
consent-s-in = i { $kinds }
consent-s-for = til { $why }
consent-s-from-until = fra { $start } til { $end }
consent-s-until = til { $end }
fact-asks-about = Spørger om
fact-question = Spørgsmål
fact-partial = Delvist svar
fact-instrument = Redskab
fact-assessed-on = Vurderet den
fact-risk-level = Risikoniveau
fact-top-needs = Vigtigste behov
fact-case-ended = Hvorfor sagen sluttede
fact-ended-on = Sluttede den
fact-no-new-serious-charge = Ingen ny alvorlig sigtelse 12 måneder efter
fact-in-education-or-job = I uddannelse eller job 3 måneder efter
fact-closed = Afsluttet

## Where a consent version stands
consent-status-refused = afvist af hubben: { $why }
consent-status-unconfirmed = sendt; hubben har endnu ikke bekræftet det
consent-status-superseded = erstattet af version { $version }
consent-status-withdrawn = trukket tilbage af personen den { $on }
consent-status-partly-withdrawn = gælder, undtagen for { $whom }: trukket tilbage for dem den { $on }
consent-status-expired = udløb den { $on }
consent-status-not-yet = gælder endnu ikke (fra { $on })
consent-status-in-force = gælder
consent-source-this-agency = registreret af denne myndighed
consent-source-received = modtaget fra { $from }
consent-version-heading = Version { $version }: { $status }

## An escalation explained
escalation-title = Hvad der er sket, og hvad du skal gøre
escalation-to-coordinator = En frist er overskredet: { $late } skulle have handlet senest { $due } og er { $days } dage forsinket, og { $waiting } venter. Som koordinator får du besked først, så sagen ikke går i stå.
escalation-to-coordinator-todo = Bed sagsbehandleren hos { $late } (eller din egen sagsbehandler, hvis det forsinkede skridt er jeres) om at handle i dag. Sker det ikke i tide, får det nationale kontaktpunkt besked.
escalation-to-contact-point = En frist er overskredet to gange: { $late } skulle have handlet senest { $due } og er { $days } dage forsinket, og { $waiting } venter. Koordinatorerne har fået besked, og det er stadig ikke sket.
escalation-to-contact-point-todo = Kontakt begge myndigheders koordinatorer og aftal, hvem der handler og hvornår. Du ser kun personen under pseudonym.

## Why a sealed field could not be read
sealed-why-removed = Hubben fjernede den forseglede adresse: din myndighed må ikke få den.
sealed-why-none-sent = Afsenderen medsendte ingen forseglet adresse.
sealed-why-none-came = Der fulgte ingen forseglet adresse med denne meddelelse.
sealed-why-not-a-location = Den blev åbnet, men indholdet er ikke en adresse, som denne agent kan læse. Kontakt din administrator.
sealed-why-not-an-identity = Den blev åbnet, men indholdet er ikke en identitet, som denne agent kan læse. Kontakt din administrator.
sealed-why-for-others = Forseglet til andre myndigheder; din myndighed kan ikke læse den.
sealed-why-for = Forseglet til { $whom }; din myndighed kan ikke læse den.
sealed-why-key-gone = Forseglet til en nøgle, som denne agent ikke længere har ({ $key }). Kontakt din administrator: en sikkerhedskopi af agentens nøgler kan have den.
sealed-why-scheme = Forseglet på en måde, som denne agent ikke kender ({ $scheme }). Kontakt din administrator: agenten skal måske opdateres.
sealed-why-damaged = Din myndigheds kopi kan ikke åbnes: den er beskadiget eller ikke forseglet til denne meddelelse. Bed afsenderen sende den igen.
