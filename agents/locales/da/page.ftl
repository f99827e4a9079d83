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
