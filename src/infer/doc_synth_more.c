/* doc_synth_more.c - the multilingual part of the classifier's synthetic training corpus: the
 * "other" kind as many genres of MSP documents (service reports, maintenance notices, welcome
 * letters, e-mails asking for a change, quotes, invoices, minutes, policies, newsletters,
 * incident reports, user guides, surveys), in English, German, French, Spanish, Dutch, Italian
 * and Portuguese, with hard negatives among them (numbered steps that are no runbook, money
 * tables that are no statement of work); and the four other kinds in the six languages besides
 * English (doc_synth_kinds.c), runbooks with commands in their steps. Each genre belongs to one
 * family (genre % OG_INFER_DOC_FAMILIES), so that a model evaluated on families it never saw meets
 * genres it never saw. Written from general knowledge of the languages and of MSP paperwork. */
#include "infer/infer_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdio.h>
#include <string.h>

#define NK  OG_INFER_DOC_NKINDS
#define NF  OG_INFER_DOC_FAMILIES
#define NL  OG_INFER_DOC_NLANGS
#define rnd og_infer__rnd

const char *const og_infer_doc_langs[] = {"en", "de", "fr", "es", "nl", "it", "pt", NULL};

/* the words of a language that a document's frame uses */
typedef struct kit {
    const char *client, *date, *from, *to, *subject, *item, *amount, *subtotal, *tax, *total;
    const char *greet, *closing, *heads[4];
    const char *delta[3]; /* a change order's money: the value before, the change, after */
} kit;

static const kit kits[NL] = {
    {"Client",
     "Date",
     "From",
     "To",
     "Subject",
     "Item",
     "Amount",
     "Subtotal",
     "VAT",
     "Total",
     "Dear %s,",
     "Kind regards,",
     {"Summary", "Details", "Next steps", "Contact"},
     {"Original contract value", "This change", "Revised contract value"}},
    {"Kunde",
     "Datum",
     "Von",
     "An",
     "Betreff",
     "Position",
     "Betrag",
     "Zwischensumme",
     "MwSt.",
     "Gesamt",
     "Hallo %s,",
     "Viele Grüße",
     {"Überblick", "Einzelheiten", "Nächste Schritte", "Kontakt"},
     {"Ursprünglicher Auftragswert", "Diese Änderung", "Neuer Auftragswert"}},
    {"Client",
     "Date",
     "De",
     "À",
     "Objet",
     "Article",
     "Montant",
     "Sous-total",
     "TVA",
     "Total",
     "Bonjour %s,",
     "Cordialement,",
     {"Résumé", "Détails", "Prochaines étapes", "Contact"},
     {"Montant initial du contrat", "Présente modification", "Nouveau montant du contrat"}},
    {"Cliente",
     "Fecha",
     "De",
     "Para",
     "Asunto",
     "Concepto",
     "Importe",
     "Subtotal",
     "IVA",
     "Total",
     "Hola %s:",
     "Un saludo,",
     {"Resumen", "Detalles", "Próximos pasos", "Contacto"},
     {"Importe original del contrato", "Este cambio", "Nuevo importe del contrato"}},
    {"Klant",
     "Datum",
     "Van",
     "Aan",
     "Onderwerp",
     "Omschrijving",
     "Bedrag",
     "Subtotaal",
     "BTW",
     "Totaal",
     "Beste %s,",
     "Met vriendelijke groet,",
     {"Samenvatting", "Details", "Volgende stappen", "Contact"},
     {"Oorspronkelijke opdrachtwaarde", "Deze wijziging", "Nieuwe opdrachtwaarde"}},
    {"Cliente",
     "Data",
     "Da",
     "A",
     "Oggetto",
     "Voce",
     "Importo",
     "Subtotale",
     "IVA",
     "Totale",
     "Gentile %s,",
     "Cordiali saluti,",
     {"Sintesi", "Dettagli", "Prossimi passi", "Contatti"},
     {"Valore originale del contratto", "Questa modifica", "Nuovo valore del contratto"}},
    {"Cliente",
     "Data",
     "De",
     "Para",
     "Assunto",
     "Item",
     "Valor",
     "Subtotal",
     "IVA",
     "Total",
     "Olá %s,",
     "Atenciosamente,",
     {"Resumo", "Detalhes", "Próximos passos", "Contato"},
     {"Valor original do contrato", "Esta alteração", "Novo valor do contrato"}},
};

/* how a genre's body is laid out */
enum { B_PROSE, B_STEPS, B_MONEY, B_MAIL, B_REPORT, B_RULES };

typedef struct genre {
    int body;
    const char *title[NL];
    const char *sent[NL][3];
} genre;

/* the genres of the "other" kind */
static const genre genres[] = {
    {B_REPORT,
     {"Monthly Service Report", "Monatlicher Servicebericht", "Rapport de service mensuel",
      "Informe mensual de servicio", "Maandelijks servicerapport", "Report mensile del servizio",
      "Relatório mensal de serviço"},
     {{"The service desk handled more tickets than last month.",
       "Availability of the hosted servers stayed above the agreed level.",
       "Patch compliance on workstations improved after the new schedule."},
      {"Der Service Desk hat mehr Tickets als im Vormonat bearbeitet.",
       "Die Verfügbarkeit der Server lag über dem vereinbarten Wert.",
       "Die Patch-Quote der Arbeitsplätze hat sich verbessert."},
      {"Le centre de services a traité plus de tickets que le mois dernier.",
       "La disponibilité des serveurs est restée au-dessus du niveau convenu.",
       "Le taux de mise à jour des postes de travail s'est amélioré."},
      {"El centro de soporte atendió más tickets que el mes pasado.",
       "La disponibilidad de los servidores se mantuvo por encima de lo acordado.",
       "El cumplimiento de parches en los equipos ha mejorado."},
      {"De servicedesk heeft meer tickets afgehandeld dan vorige maand.",
       "De beschikbaarheid van de servers bleef boven het afgesproken niveau.",
       "De patchstatus van de werkplekken is verbeterd."},
      {"Il service desk ha gestito più ticket rispetto al mese scorso.",
       "La disponibilità dei server è rimasta sopra il livello concordato.",
       "L'aggiornamento delle postazioni di lavoro è migliorato."},
      {"A central de suporte atendeu mais chamados do que no mês passado.",
       "A disponibilidade dos servidores ficou acima do nível acordado.",
       "A conformidade de atualizações das estações de trabalho melhorou."}}},
    {B_PROSE,
     {"Planned Maintenance Notice", "Hinweis auf geplante Wartungsarbeiten",
      "Avis de maintenance programmée", "Aviso de mantenimiento programado",
      "Aankondiging gepland onderhoud", "Avviso di manutenzione programmata",
      "Aviso de manutenção programada"},
     {{"We will carry out planned maintenance on the email platform this weekend.",
       "During the window, webmail may be unavailable for up to two hours.",
       "No action is needed on your side; we will inform you when the work is done."},
      {"Am Wochenende führen wir Wartungsarbeiten an der E-Mail-Plattform durch.",
       "Während des Wartungsfensters ist Webmail bis zu zwei Stunden nicht erreichbar.",
       "Sie müssen nichts tun; wir informieren Sie nach Abschluss der Arbeiten."},
      {"Nous réaliserons une maintenance de la messagerie ce week-end.",
       "Pendant cette fenêtre, le webmail pourra être indisponible jusqu'à deux heures.",
       "Aucune action de votre part n'est nécessaire ; nous vous préviendrons à la fin."},
      {"Este fin de semana realizaremos un mantenimiento de la plataforma de correo.",
       "Durante la ventana, el correo web podría no estar disponible hasta dos horas.",
       "No tiene que hacer nada; le avisaremos cuando terminen los trabajos."},
      {"Dit weekend voeren we onderhoud uit aan het e-mailplatform.",
       "Tijdens het onderhoud kan webmail tot twee uur onbereikbaar zijn.",
       "U hoeft niets te doen; we laten weten wanneer het werk klaar is."},
      {"Questo fine settimana eseguiremo la manutenzione della piattaforma di posta.",
       "Durante la finestra la webmail potrebbe non essere disponibile fino a due ore.",
       "Non è richiesta alcuna azione da parte vostra; vi avviseremo al termine."},
      {"Neste fim de semana faremos a manutenção da plataforma de e-mail.",
       "Durante a janela, o webmail poderá ficar indisponível por até duas horas.",
       "Nenhuma ação é necessária da sua parte; avisaremos quando o trabalho terminar."}}},
    {B_STEPS,
     {"Welcome to Our Managed Services", "Willkommen bei unseren Managed Services",
      "Bienvenue dans nos services infogérés", "Bienvenido a nuestros servicios gestionados",
      "Welkom bij onze beheerde diensten", "Benvenuti nei nostri servizi gestiti",
      "Bem-vindo aos nossos serviços gerenciados"},
     {{"Register your account on the customer portal with the link in this letter.",
       "Save the phone number of the service desk in your contacts.",
       "Tell your colleagues how to open a ticket by email."},
      {"Registrieren Sie Ihr Konto im Kundenportal über den Link in diesem Brief.",
       "Speichern Sie die Telefonnummer des Service Desks in Ihren Kontakten.",
       "Informieren Sie Ihre Kollegen, wie sie per E-Mail ein Ticket eröffnen."},
      {"Créez votre compte sur le portail client avec le lien de ce courrier.",
       "Enregistrez le numéro du support dans vos contacts.",
       "Expliquez à vos collègues comment ouvrir un ticket par e-mail."},
      {"Registre su cuenta en el portal de clientes con el enlace de esta carta.",
       "Guarde el teléfono del centro de soporte en sus contactos.",
       "Explique a sus compañeros cómo abrir un ticket por correo."},
      {"Registreer uw account op het klantenportaal via de link in deze brief.",
       "Sla het telefoonnummer van de servicedesk op in uw contacten.",
       "Vertel uw collega's hoe ze per e-mail een ticket aanmaken."},
      {"Registrate il vostro account sul portale clienti con il link di questa lettera.",
       "Salvate il numero del service desk nei vostri contatti.",
       "Spiegate ai colleghi come aprire un ticket via e-mail."},
      {"Cadastre sua conta no portal do cliente pelo link desta carta.",
       "Salve o telefone da central de suporte nos seus contatos.",
       "Explique aos colegas como abrir um chamado por e-mail."}}},
    {B_MAIL,
     {"Request: two new users", "Bitte um zwei neue Benutzer", "Demande : deux nouveaux comptes",
      "Petición: dos usuarios nuevos", "Verzoek: twee nieuwe gebruikers",
      "Richiesta: due nuovi utenti", "Pedido: dois novos usuários"},
     {{"Could you please create accounts for two new colleagues starting on Monday?",
       "They need the same access as the rest of the sales team.",
       "Let me know if you need anything else from us."},
      {"Könnten Sie bitte für zwei neue Kollegen ab Montag Konten anlegen?",
       "Sie brauchen dieselben Rechte wie der Rest des Vertriebs.",
       "Geben Sie Bescheid, wenn Sie noch etwas von uns brauchen."},
      {"Pourriez-vous créer des comptes pour deux collègues qui arrivent lundi ?",
       "Ils ont besoin des mêmes accès que le reste de l'équipe commerciale.",
       "Dites-moi s'il vous manque quelque chose."},
      {"¿Podríais crear cuentas para dos compañeros que empiezan el lunes?",
       "Necesitan los mismos accesos que el resto del equipo comercial.",
       "Avisadme si necesitáis algo más de nuestra parte."},
      {"Kunnen jullie accounts aanmaken voor twee nieuwe collega's die maandag beginnen?",
       "Ze hebben dezelfde rechten nodig als de rest van het verkoopteam.",
       "Laat het weten als jullie nog iets nodig hebben."},
      {"Potreste creare gli account per due nuovi colleghi che iniziano lunedì?",
       "Hanno bisogno degli stessi accessi del resto del team commerciale.",
       "Fatemi sapere se vi serve altro da parte nostra."},
      {"Vocês poderiam criar contas para dois novos colegas que começam na segunda?",
       "Eles precisam dos mesmos acessos que o restante da equipe de vendas.",
       "Me avisem se precisarem de mais alguma coisa."}}},
    {B_MONEY,
     {"Quote for new laptops", "Angebot für neue Notebooks", "Devis pour des ordinateurs portables",
      "Presupuesto de portátiles", "Offerte voor nieuwe laptops", "Preventivo per nuovi portatili",
      "Orçamento de notebooks"},
     {{"As requested, here are the prices for the hardware you asked about.",
       "Prices include delivery and imaging of each device.",
       "This quote is valid for thirty days."},
      {"Wie gewünscht erhalten Sie die Preise für die angefragte Hardware.",
       "Die Preise enthalten Lieferung und Einrichtung der Geräte.",
       "Dieses Angebot ist dreißig Tage gültig."},
      {"Comme convenu, voici les prix du matériel demandé.",
       "Les prix comprennent la livraison et la préparation de chaque appareil.",
       "Ce devis est valable trente jours."},
      {"Como nos pidió, le enviamos los precios del equipo solicitado.",
       "Los precios incluyen la entrega y la preparación de cada equipo.",
       "Este presupuesto es válido durante treinta días."},
      {"Zoals gevraagd sturen we de prijzen van de gevraagde hardware.",
       "De prijzen zijn inclusief levering en installatie van elk apparaat.",
       "Deze offerte is dertig dagen geldig."},
      {"Come richiesto, vi inviamo i prezzi dell'hardware indicato.",
       "I prezzi includono la consegna e la preparazione di ogni dispositivo.",
       "Il preventivo è valido trenta giorni."},
      {"Conforme solicitado, seguem os preços dos equipamentos pedidos.",
       "Os preços incluem a entrega e a preparação de cada aparelho.",
       "Este orçamento é válido por trinta dias."}}},
    {B_MONEY,
     {"Invoice", "Rechnung", "Facture", "Factura", "Factuur", "Fattura", "Fatura"},
     {{"Thank you for your business.", "Please pay within fourteen days to the account below.",
       "Support hours are billed for the past month."},
      {"Vielen Dank für Ihren Auftrag.",
       "Bitte überweisen Sie den Betrag innerhalb von vierzehn Tagen.",
       "Abgerechnet werden die Supportstunden des Vormonats."},
      {"Merci de votre confiance.", "Merci de régler sous quatorze jours sur le compte ci-dessous.",
       "Les heures de support du mois dernier sont facturées."},
      {"Gracias por confiar en nosotros.",
       "Le rogamos el pago en catorce días a la cuenta indicada.",
       "Se facturan las horas de soporte del mes pasado."},
      {"Bedankt voor uw opdracht.", "Gelieve binnen veertien dagen te betalen.",
       "De supporturen van vorige maand worden gefactureerd."},
      {"Grazie per averci scelto.", "Si prega di pagare entro quattordici giorni.",
       "Sono fatturate le ore di assistenza del mese scorso."},
      {"Obrigado pela preferência.", "Por favor, pague em até quatorze dias na conta abaixo.",
       "São cobradas as horas de suporte do mês passado."}}},
    {B_PROSE,
     {"Minutes of the Quarterly Review", "Protokoll des Quartalsgesprächs",
      "Compte rendu de la revue trimestrielle", "Acta de la reunión trimestral",
      "Notulen van het kwartaaloverleg", "Verbale della riunione trimestrale",
      "Ata da reunião trimestral"},
     {{"Present: the client's IT lead, the account manager and the service lead.",
       "The group went through open tickets and the roadmap for next quarter.",
       "Agreed: the account manager sends the renewal dates before the next meeting."},
      {"Anwesend: IT-Leitung des Kunden, Account Manager und Service-Leitung.",
       "Besprochen wurden offene Tickets und die Planung für das nächste Quartal.",
       "Vereinbart: Der Account Manager schickt die Verlängerungstermine vorab."},
      {"Présents : le responsable informatique du client, le chargé de compte et le responsable"
       " du service.",
       "Le groupe a passé en revue les tickets ouverts et la feuille de route.",
       "Décidé : le chargé de compte envoie les dates de renouvellement avant la réunion."},
      {"Asistentes: el responsable de TI del cliente, el gestor de cuenta y el jefe de servicio.",
       "Se revisaron los tickets abiertos y la hoja de ruta del próximo trimestre.",
       "Acuerdo: el gestor de cuenta enviará las fechas de renovación."},
      {"Aanwezig: de IT-verantwoordelijke van de klant, de accountmanager en de servicemanager.",
       "De openstaande tickets en de plannen voor volgend kwartaal zijn besproken.",
       "Afgesproken: de accountmanager stuurt de verlengingsdata vooraf."},
      {"Presenti: il responsabile IT del cliente, l'account manager e il responsabile del"
       " servizio.",
       "Sono stati esaminati i ticket aperti e il piano del prossimo trimestre.",
       "Deciso: l'account manager invierà le date di rinnovo."},
      {"Presentes: o responsável de TI do cliente, o gerente de contas e o líder de serviço.",
       "Foram revisados os chamados abertos e o plano do próximo trimestre.",
       "Combinado: o gerente de contas enviará as datas de renovação."}}},
    {B_RULES,
     {"Information Security Policy", "Richtlinie zur Informationssicherheit",
      "Politique de sécurité de l'information", "Política de seguridad de la información",
      "Informatiebeveiligingsbeleid", "Politica di sicurezza delle informazioni",
      "Política de segurança da informação"},
     {{"Every user locks the screen when leaving the desk.",
       "Company data is stored only on approved services.",
       "Lost or stolen devices are reported to the service desk at once."},
      {"Jeder Benutzer sperrt den Bildschirm, wenn er den Platz verlässt.",
       "Firmendaten werden nur in freigegebenen Diensten gespeichert.",
       "Verlorene oder gestohlene Geräte werden sofort gemeldet."},
      {"Chaque utilisateur verrouille son écran en quittant son poste.",
       "Les données de l'entreprise sont stockées uniquement sur des services approuvés.",
       "Tout appareil perdu ou volé est signalé immédiatement au support."},
      {"Cada usuario bloquea la pantalla al levantarse de su puesto.",
       "Los datos de la empresa solo se guardan en servicios aprobados.",
       "Los equipos perdidos o robados se comunican de inmediato."},
      {"Elke gebruiker vergrendelt het scherm bij het verlaten van de werkplek.",
       "Bedrijfsgegevens worden alleen in goedgekeurde diensten opgeslagen.",
       "Verloren of gestolen apparaten worden direct gemeld."},
      {"Ogni utente blocca lo schermo quando lascia la postazione.",
       "I dati aziendali sono conservati solo su servizi approvati.",
       "I dispositivi persi o rubati vanno segnalati subito."},
      {"Cada usuário bloqueia a tela ao sair da mesa.",
       "Os dados da empresa são guardados apenas em serviços aprovados.",
       "Aparelhos perdidos ou roubados são comunicados imediatamente."}}},
    {B_PROSE,
     {"Customer Newsletter", "Kunden-Newsletter", "Lettre d'information clients",
      "Boletín para clientes", "Nieuwsbrief voor klanten", "Newsletter per i clienti",
      "Boletim para clientes"},
     {{"This quarter we opened a second office and hired four engineers.",
       "Read our tips on spotting phishing emails before the holidays.",
       "Join our free webinar about backups next month."},
      {"In diesem Quartal haben wir ein zweites Büro eröffnet.",
       "Lesen Sie unsere Tipps, wie Sie Phishing-Mails erkennen.",
       "Melden Sie sich zu unserem kostenlosen Webinar über Datensicherung an."},
      {"Ce trimestre, nous avons ouvert un deuxième bureau.",
       "Découvrez nos conseils pour repérer les courriels d'hameçonnage.",
       "Inscrivez-vous à notre webinaire gratuit sur les sauvegardes."},
      {"Este trimestre hemos abierto una segunda oficina.",
       "Lea nuestros consejos para detectar correos de phishing.",
       "Apúntese a nuestro seminario web gratuito sobre copias de seguridad."},
      {"Dit kwartaal openden we een tweede kantoor.",
       "Lees onze tips om phishingmails te herkennen.",
       "Schrijf u in voor ons gratis webinar over back-ups."},
      {"In questo trimestre abbiamo aperto una seconda sede.",
       "Leggete i nostri consigli per riconoscere le e-mail di phishing.",
       "Iscrivetevi al nostro webinar gratuito sui backup."},
      {"Neste trimestre abrimos um segundo escritório.",
       "Leia nossas dicas para reconhecer e-mails de phishing.",
       "Inscreva-se no nosso webinar gratuito sobre backups."}}},
    {B_REPORT,
     {"Incident Report", "Störungsbericht", "Rapport d'incident", "Informe de incidencia",
      "Incidentrapport", "Rapporto sull'incidente", "Relatório de incidente"},
     {{"Users could not reach the file server for forty minutes.",
       "The cause was a full disk on the storage controller.",
       "To prevent a repeat, disk usage alerts were lowered."},
      {"Die Benutzer konnten den Dateiserver vierzig Minuten lang nicht erreichen.",
       "Ursache war ein volles Laufwerk am Speicher-Controller.",
       "Damit es nicht wieder vorkommt, wurden die Schwellwerte gesenkt."},
      {"Les utilisateurs n'ont pas pu accéder au serveur de fichiers pendant quarante minutes.",
       "La cause était un disque plein sur le contrôleur de stockage.",
       "Pour éviter que cela se reproduise, les seuils d'alerte ont été abaissés."},
      {"Los usuarios no pudieron acceder al servidor de archivos durante cuarenta minutos.",
       "La causa fue un disco lleno en la controladora de almacenamiento.",
       "Para evitar que se repita, se bajaron los umbrales de alerta."},
      {"Gebruikers konden de bestandsserver veertig minuten niet bereiken.",
       "De oorzaak was een volle schijf op de opslagcontroller.",
       "Om herhaling te voorkomen zijn de drempels verlaagd."},
      {"Gli utenti non hanno potuto raggiungere il file server per quaranta minuti.",
       "La causa era un disco pieno sul controller di archiviazione.",
       "Per evitare che si ripeta, le soglie di avviso sono state abbassate."},
      {"Os usuários ficaram sem acesso ao servidor de arquivos por quarenta minutos.",
       "A causa foi um disco cheio na controladora de armazenamento.",
       "Para evitar que se repita, os limites de alerta foram reduzidos."}}},
    {B_STEPS,
     {"How to set up email on your phone", "So richten Sie E-Mail auf dem Handy ein",
      "Configurer la messagerie sur votre téléphone", "Cómo configurar el correo en el móvil",
      "Zo stelt u e-mail in op uw telefoon", "Come configurare la posta sul telefono",
      "Como configurar o e-mail no celular"},
     {{"Open the settings app and tap Accounts.", "Enter your work address and password.",
       "Approve the sign-in request in the authenticator app."},
      {"Öffnen Sie die Einstellungen und tippen Sie auf Konten.",
       "Geben Sie Ihre geschäftliche Adresse und Ihr Passwort ein.",
       "Bestätigen Sie die Anmeldung in der Authenticator-App."},
      {"Ouvrez les réglages et touchez Comptes.",
       "Saisissez votre adresse professionnelle et votre mot de passe.",
       "Validez la connexion dans l'application d'authentification."},
      {"Abra los ajustes y pulse Cuentas.", "Escriba su dirección de trabajo y su contraseña.",
       "Apruebe el inicio de sesión en la aplicación de autenticación."},
      {"Open de instellingen en tik op Accounts.", "Vul uw werkadres en wachtwoord in.",
       "Keur de aanmelding goed in de authenticator-app."},
      {"Aprite le impostazioni e toccate Account.", "Inserite l'indirizzo di lavoro e la password.",
       "Approvate l'accesso nell'app di autenticazione."},
      {"Abra os ajustes e toque em Contas.", "Digite seu endereço de trabalho e sua senha.",
       "Aprove o login no aplicativo autenticador."}}},
    {B_RULES,
     {"Customer Satisfaction Survey", "Umfrage zur Kundenzufriedenheit", "Enquête de satisfaction",
      "Encuesta de satisfacción", "Klanttevredenheidsonderzoek", "Questionario di soddisfazione",
      "Pesquisa de satisfação"},
     {{"How satisfied are you with the speed of our answers?",
       "Would you recommend our services to a colleague?", "What should we do better next year?"},
      {"Wie zufrieden sind Sie mit unserer Reaktionszeit?",
       "Würden Sie uns einem Kollegen empfehlen?",
       "Was sollten wir im nächsten Jahr besser machen?"},
      {"Êtes-vous satisfait de la rapidité de nos réponses ?",
       "Recommanderiez-vous nos services à un collègue ?",
       "Que devrions-nous améliorer l'an prochain ?"},
      {"¿Está satisfecho con la rapidez de nuestras respuestas?",
       "¿Recomendaría nuestros servicios a un colega?",
       "¿Qué deberíamos mejorar el año que viene?"},
      {"Hoe tevreden bent u over de snelheid van onze antwoorden?",
       "Zou u onze diensten aanraden aan een collega?", "Wat kunnen we volgend jaar beter doen?"},
      {"Quanto è soddisfatto della rapidità delle nostre risposte?",
       "Consiglierebbe i nostri servizi a un collega?",
       "Cosa dovremmo migliorare il prossimo anno?"},
      {"Qual é a sua satisfação com a rapidez das nossas respostas?",
       "Recomendaria nossos serviços a um colega?", "O que devemos melhorar no próximo ano?"}}},
    {B_MAIL,
     {"Proposal: move your phones to the cloud", "Vorschlag: Telefonie in die Cloud",
      "Proposition : la téléphonie dans le cloud", "Propuesta: telefonía en la nube",
      "Voorstel: telefonie naar de cloud", "Proposta: telefonia in cloud",
      "Proposta: telefonia na nuvem"},
     {{"Following our call, we think a cloud phone system would suit your new office.",
       "We would be happy to show you a short demo next week.",
       "If you like the idea, we will prepare a detailed offer."},
      {"Nach unserem Gespräch denken wir, dass Cloud-Telefonie gut zu Ihrem neuen Büro passt.",
       "Gern zeigen wir Ihnen nächste Woche eine kurze Vorführung.",
       "Wenn Ihnen die Idee gefällt, erstellen wir ein ausführliches Angebot."},
      {"Suite à notre appel, une téléphonie dans le cloud conviendrait à vos nouveaux locaux.",
       "Nous serions ravis de vous montrer une courte démonstration.",
       "Si l'idée vous plaît, nous préparerons une offre détaillée."},
      {"Tras nuestra llamada, creemos que la telefonía en la nube encaja en su nueva oficina.",
       "Con gusto le haremos una breve demostración la semana que viene.",
       "Si le interesa, prepararemos una oferta detallada."},
      {"Na ons gesprek denken we dat cloudtelefonie goed past bij uw nieuwe kantoor.",
       "We laten u volgende week graag een korte demo zien.",
       "Als het idee u bevalt, maken we een uitgebreide offerte."},
      {"Dopo la nostra telefonata, pensiamo che la telefonia in cloud sia adatta alla nuova"
       " sede.",
       "Saremo lieti di mostrarvi una breve demo la prossima settimana.",
       "Se l'idea vi piace, prepareremo un'offerta dettagliata."},
      {"Após nossa conversa, achamos que a telefonia na nuvem combina com o novo escritório.",
       "Teremos prazer em mostrar uma breve demonstração na próxima semana.",
       "Se gostarem da ideia, prepararemos uma proposta detalhada."}}},
    {B_REPORT,
     {"Backup Status Report", "Statusbericht Datensicherung", "Rapport d'état des sauvegardes",
      "Informe de estado de las copias", "Statusrapport back-ups", "Report stato dei backup",
      "Relatório de status dos backups"},
     {{"All nightly jobs finished except one that was retried the next morning.",
       "A test restore of a mailbox succeeded.", "Storage use grew slowly and is within plan."},
      {"Alle nächtlichen Jobs liefen durch, einer wurde am Morgen wiederholt.",
       "Eine Test-Wiederherstellung eines Postfachs war erfolgreich.",
       "Der Speicherbedarf wächst langsam und liegt im Plan."},
      {"Toutes les tâches de nuit ont réussi sauf une, relancée le matin.",
       "Un test de restauration d'une boîte aux lettres a réussi.",
       "L'espace de stockage augmente lentement, comme prévu."},
      {"Todas las tareas nocturnas terminaron salvo una, repetida por la mañana.",
       "Una prueba de recuperación de un buzón fue correcta.",
       "El uso de almacenamiento crece despacio y según lo previsto."},
      {"Alle nachtelijke taken zijn gelukt, op één na die 's ochtends opnieuw liep.",
       "Een testherstel van een mailbox is geslaagd.",
       "Het opslaggebruik groeit langzaam en volgens plan."},
      {"Tutti i job notturni sono terminati tranne uno, ripetuto al mattino.",
       "Un ripristino di prova di una casella è riuscito.",
       "L'uso dello spazio cresce lentamente, come previsto."},
      {"Todas as rotinas noturnas terminaram, exceto uma repetida pela manhã.",
       "Um teste de restauração de uma caixa de correio funcionou.",
       "O uso de armazenamento cresce devagar, dentro do previsto."}}},
    {B_PROSE,
     {"Training Invitation", "Einladung zur Schulung", "Invitation à la formation",
      "Invitación a la formación", "Uitnodiging voor de training", "Invito alla formazione",
      "Convite para treinamento"},
     {{"We invite your staff to a one-hour session on the new collaboration tools.",
       "The session is online and will be recorded.",
       "Please reply with the names of those who will attend."},
      {"Wir laden Ihre Mitarbeiter zu einer Stunde über die neuen Werkzeuge ein.",
       "Die Sitzung findet online statt und wird aufgezeichnet.",
       "Bitte nennen Sie uns die Namen der Teilnehmer."},
      {"Nous invitons vos équipes à une séance d'une heure sur les nouveaux outils.",
       "La séance a lieu en ligne et sera enregistrée.",
       "Merci de nous indiquer les noms des participants."},
      {"Invitamos a su personal a una sesión de una hora sobre las nuevas herramientas.",
       "La sesión es en línea y quedará grabada.", "Indíquenos los nombres de los asistentes."},
      {"We nodigen uw medewerkers uit voor een sessie van een uur over de nieuwe tools.",
       "De sessie is online en wordt opgenomen.", "Laat ons weten wie er deelneemt."},
      {"Invitiamo il vostro personale a una sessione di un'ora sui nuovi strumenti.",
       "La sessione è online e sarà registrata.", "Comunicateci i nomi dei partecipanti."},
      {"Convidamos sua equipe para uma sessão de uma hora sobre as novas ferramentas.",
       "A sessão é online e será gravada.", "Informe os nomes de quem vai participar."}}},
};
#define NG ((int)(sizeof(genres) / sizeof(genres[0])))

/* commands a runbook's steps run (any language) */
static const char *const commands[] = {
    "systemctl restart nginx",
    "sudo apt-get update && sudo apt-get upgrade -y",
    "Get-Service -Name Spooler | Restart-Service",
    "df -h /var",
    "journalctl -u postgresql --since today",
    "certbot renew --dry-run",
    "kubectl rollout restart deployment/web",
    "Restart-Computer -ComputerName FS01 -Force",
};
static const char *const items[] = {"Laptop 14\"",        "Docking station", "Microsoft 365 E3",
                                    "Firewall appliance", "Backup 1 TB",     "Support hours",
                                    "Monitor 27\"",       "Setup fee"};
static const char *const clients[] = {"Meridian Dental", "Costa & Filhos Lda", "Hofmann Bau GmbH",
                                      "Atelier Lefèvre", "Grupo Solano",       "Van Dijk Advies",
                                      "Studio Bianchi",  "Harlow Estates"};
static const char *const people[] = {"Maria", "Thomas", "Sophie", "Javier",
                                     "Anouk", "Luca",   "João"};

/* a heading in family f's style */
static int head(og_buf *b, int f, int i, const char *h)
{
    switch (f) {
    case 0:
        return og_buf_printf(b, "\n## %s\n\n", h);
    case 1:
        return og_buf_printf(b, "\n%d. %s\n", i + 1, h);
    case 2:
        return og_buf_printf(b, "\n%s\n\n", h);
    case 3:
        return og_buf_printf(b, "\n%s:\n", h);
    default:
        return og_buf_printf(b, "\n**%s**\n", h);
    }
}

/* an amount in cents in the language's format (English "1,234.00", else "1.234,00") */
static void amount(char *out, size_t size, long cents, int lang)
{
    long u = cents / 100, c = cents % 100;
    char sep = lang == 0 ? ',' : lang == 2 ? ' ' : '.', dec = lang == 0 ? '.' : ',';
    if (u >= 1000)
        snprintf(out, size, "%ld%c%03ld%c%02ld", u / 1000, sep, u % 1000, dec, c);
    else
        snprintf(out, size, "%ld%c%02ld", u, dec, c);
}

/* line items, subtotal, tax and total, as a table or as lines */
static int money_table(og_buf *b, uint64_t *s, int lang, int table)
{
    const kit *k = &kits[lang];
    const char *cur = lang == 0 ? "$" : "€";
    long sub = 0;
    char a[32];
    int error = table ? og_buf_printf(b, "\n| %s | %s |\n|---|---|\n", k->item, k->amount)
                      : og_buf_puts(b, "\n");
    for (int i = 0, n = 2 + (int)(rnd(s) % 3); i < n && error >= 0; i++) {
        long c = 5000 + (long)(rnd(s) % 400000);
        sub += c;
        amount(a, sizeof(a), c, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s  %s %s\n",
                              items[rnd(s) % (sizeof(items) / sizeof(items[0]))], cur, a);
    }
    long tax = sub / 5;
    if (error >= 0) {
        amount(a, sizeof(a), sub, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s: %s %s\n", k->subtotal, cur, a);
    }
    if (error >= 0) {
        amount(a, sizeof(a), tax, lang);
        error = og_buf_printf(b, table ? "| %s | %s %s |\n" : "%s: %s %s\n", k->tax, cur, a);
    }
    if (error >= 0) {
        amount(a, sizeof(a), sub + tax, lang);
        error = og_buf_printf(b, table ? "| **%s** | %s %s |\n" : "%s: %s %s\n", k->total, cur, a);
    }
    return error;
}

/* numbered lines from sents (n of them), a command after each when with_cmd */
static int steps(og_buf *b, uint64_t *s, const char *const *sents, int n, int with_cmd)
{
    int error = og_buf_puts(b, "\n");
    for (int i = 0; i < n && error >= 0; i++) {
        error = og_buf_printf(b, "%d. %s\n", i + 1, sents[i]);
        if (error >= 0 && with_cmd && rnd(s) % 3 != 0)
            error = og_buf_printf(b, rnd(s) % 2 ? "   `%s`\n" : "\n    $ %s\n\n",
                                  commands[rnd(s) % (sizeof(commands) / sizeof(commands[0]))]);
    }
    return error;
}

/* the header: a mail's From/To/Subject or a title with client and date */
static int frame(og_buf *b, uint64_t *s, int lang, int mail, const char *title, const char *client)
{
    const kit *k = &kits[lang];
    int d = 1 + (int)(rnd(s) % 28), m = 1 + (int)(rnd(s) % 12), y = 2024 + (int)(rnd(s) % 3);
    char date[16];
    if (lang == 0)
        snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
    else
        snprintf(date, sizeof(date), lang == 1 ? "%02d.%02d.%04d" : "%02d/%02d/%04d", d, m, y);
    if (mail)
        return og_buf_printf(b, "%s: %s <%s@example-msp.net>\n%s: %s\n%s: %s\n%s: %s\n\n", k->from,
                             people[rnd(s) % 7], "service", k->to, client, k->subject, title,
                             k->date, date);
    return og_buf_printf(b, rnd(s) % 2 ? "# %s\n\n%s: %s\n%s: %s\n" : "%s\n\n%s: %s\n%s: %s\n",
                         title, k->client, client, k->date, date);
}

static int synth_genre(int g, int family, int lang, uint64_t *s, og_buf *b)
{
    const genre *G = &genres[g];
    const kit *k = &kits[lang];
    const char *client = clients[rnd(s) % (sizeof(clients) / sizeof(clients[0]))];
    int mail = G->body == B_MAIL || (G->body != B_MONEY && rnd(s) % 4 == 0), error;
    error = frame(b, s, lang, mail, G->title[lang], client);
    if (error >= 0 && mail)
        error = og_buf_printf(b, k->greet, people[rnd(s) % 7]);
    if (error >= 0 && mail)
        error = og_buf_puts(b, "\n\n");
    if (error < 0)
        return error;
    switch (G->body) {
    case B_STEPS:
    case B_RULES:
        error = og_buf_printf(b, "%s\n", G->sent[lang][0]);
        if (error >= 0)
            error = steps(b, s, G->sent[lang], 3, 0);
        break;
    case B_MONEY:
        error = og_buf_printf(b, "%s %s\n", G->sent[lang][0], G->sent[lang][1]);
        if (error >= 0)
            error = money_table(b, s, lang, (int)(rnd(s) % 2));
        if (error >= 0)
            error = og_buf_printf(b, "\n%s\n", G->sent[lang][2]);
        break;
    case B_REPORT:
        for (int i = 0; i < 3 && error >= 0; i++) {
            error = head(b, family, i, k->heads[i]);
            if (error >= 0)
                error = og_buf_printf(b, "%s\n", G->sent[lang][i]);
            if (error >= 0 && i == 0)
                error = og_buf_printf(b, "- %d / %d\n- %d.%d%%\n- %02d:%02d\n",
                                      40 + (int)(rnd(s) % 200), 40 + (int)(rnd(s) % 200),
                                      95 + (int)(rnd(s) % 5), (int)(rnd(s) % 10),
                                      (int)(rnd(s) % 24), (int)(rnd(s) % 60));
        }
        break;
    default:
        for (int i = 0, n = mail ? 1 : 2 + (int)(rnd(s) % 2); i < n && error >= 0; i++) {
            if (!mail)
                error = head(b, family, i, k->heads[i]);
            for (int j = 0; j < 3 && error >= 0; j++)
                if (mail || rnd(s) % 3 != 0)
                    error = og_buf_printf(b, "%s ", G->sent[lang][(i + j) % 3]);
            if (error >= 0)
                error = og_buf_puts(b, "\n");
        }
    }
    if (error >= 0 && (mail || rnd(s) % 3 == 0))
        error = og_buf_printf(b, "\n%s\n%s\n%s\n", k->closing, people[rnd(s) % 7], "Example MSP");
    return error;
}

static int synth_kind(int kind, int family, int lang, uint64_t *s, og_buf *b)
{
    const og_infer__kind_text *t = og_infer__kind_text_of(lang, kind);
    const kit *k = &kits[lang];
    const char *client = clients[rnd(s) % (sizeof(clients) / sizeof(clients[0]))];
    int error = frame(b, s, lang, 0, t->title[rnd(s) % 2], client);
    if (error >= 0 && kind == 2) { /* a runbook: its steps, commands among them */
        error = head(b, family, 0, k->heads[1]);
        if (error >= 0)
            error = steps(b, s, t->sent, 5, 1);
        return error;
    }
    for (int i = 0; i < 2 && error >= 0; i++) {
        error = head(b, family, i, k->heads[i]);
        for (int j = 0; j < 3 && error >= 0; j++)
            error = og_buf_printf(b, "%s ", t->sent[(i * 2 + j + (int)(rnd(s) % 2)) % 5]);
        if (error >= 0)
            error = og_buf_puts(b, "\n");
    }
    if (error >= 0 && kind == 1) { /* a change order: the value before, the change, after */
        long before = 500000 + (long)(rnd(s) % 5000000), change = 20000 + (long)(rnd(s) % 500000);
        char a[3][32];
        amount(a[0], sizeof(a[0]), before, lang);
        amount(a[1], sizeof(a[1]), change, lang);
        amount(a[2], sizeof(a[2]), before + change, lang);
        error = og_buf_printf(b, "\n%s: %s\n%s: +%s\n%s: %s\n", k->delta[0], a[0], k->delta[1],
                              a[1], k->delta[2], a[2]);
    }
    /* money: most statements of work, some closures (the final invoice) */
    if (error >= 0 && (kind == 0 ? rnd(s) % 3 != 0 : kind == 3 && rnd(s) % 2 == 0))
        error = money_table(b, s, lang, (int)(rnd(s) % 2));
    if (error >= 0 && kind != 2 && rnd(s) % 2)
        error = og_buf_puts(b, "\n______________________\n______________________\n");
    return error;
}

int og_infer_doc_synth_lang(int kind, int family, int lang, uint64_t seed, char **out)
{
    og_buf b;
    uint64_t s = seed * 3000017u + (uint64_t)((kind * NF + family) * NL + lang) + 991;
    int error;
    *out = NULL;
    if (kind < 0 || kind >= NK || family < 0 || family >= NF || lang < 0 || lang >= NL)
        return og_error_set(OG_EINVAL, "no document of kind %d, family %d, language %d", kind,
                            family, lang);
    og_buf_init(&b, 1 << 20);
    if (kind == NK - 1) {
        /* the genres of this family: g % NF == family */
        int per = (NG - family + NF - 1) / NF;
        int g = family + NF * (int)(rnd(&s) % (uint64_t)(per > 0 ? per : 1));
        error = synth_genre(g < NG ? g : family, family, lang, &s, &b);
    } else if (lang == 0) {
        og_buf_free(&b);
        return og_infer_doc_synth_meta(kind, family, seed, out, NULL);
    } else {
        error = synth_kind(kind, family, lang, &s, &b);
    }
    if (error >= 0)
        *out = og_buf_detach(&b);
    og_buf_free(&b);
    return error < 0 ? error : 0;
}

int og_infer__synth_mixed(int kind, int family, uint64_t seed, char **out)
{
    uint64_t s = seed * 7919u + (uint64_t)(kind * NF + family) + 31;
    unsigned r = (unsigned)(rnd(&s) % 6);
    /* half of every kind's documents in any of the languages (English among them), so that no
     * language speaks for one kind */
    if (r < 3)
        return og_infer_doc_synth_lang(kind, family, (int)(rnd(&s) % NL), seed, out);
    return og_infer_doc_synth_meta(kind, family, seed, out, NULL);
}
