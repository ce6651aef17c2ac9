"""Every message Djobea sends to clients and providers, in French and English, in one place.

``render(key, language, **params)`` picks the text by the recipient's language field ('fr'/'en');
unknown languages fall back to French, the default of the platform.
"""

TEXTS: dict[str, dict[str, str]] = {
    # --- Client: intake ---------------------------------------------------------------------
    "ask_category": {
        "fr": "Bonjour 👋 C'est Djobea. De quel service avez-vous besoin ? "
        "(ex. plombier, électricien, réparation de machine à laver…)",
        "en": "Hello 👋 This is Djobea. What service do you need? "
        "(e.g. plumber, electrician, washing machine repair…)",
    },
    "ask_zone": {
        "fr": "Noté : {category}. Dans quel quartier êtes-vous ? (ex. Bonamoussadi, Akwa, Makepe, Bastos…)",
        "en": "Got it: {category}. Which area are you in? (e.g. Bonamoussadi, Akwa, Makepe, Bastos…)",
    },
    "ask_zone_again": {
        "fr": "Je ne connais pas encore ce quartier 🤔 Pouvez-vous écrire le nom du quartier "
        "(ex. Bonamoussadi, Akwa, PK8, Bastos, Mvan…) ?",
        "en": "I don't know that area yet 🤔 Could you type the name of your neighbourhood "
        "(e.g. Bonamoussadi, Akwa, PK8, Bastos, Mvan…)?",
    },
    "ask_category_again": {
        "fr": "Je n'ai pas compris le service demandé 🤔 Écrivez le métier en quelques mots "
        "(ex. « plombier », « électricien », « frigo en panne »).",
        "en": "I didn't catch which service you need 🤔 Please name the trade in a few words "
        "(e.g. \"plumber\", \"electrician\", \"fridge not cooling\").",
    },
    "ask_description": {
        "fr": "Merci. Décrivez le problème en une phrase (ex. « le robinet de la cuisine fuit »).",
        "en": "Thanks. Describe the problem in one sentence (e.g. \"the kitchen tap is leaking\").",
    },
    "confirm": {
        "fr": "Récapitulatif : {category} à {zone}{urgent}.\n« {description} »\n"
        "Répondez OUI pour lancer la recherche, ou corrigez ce qui ne va pas.",
        "en": "Summary: {category} in {zone}{urgent}.\n\"{description}\"\n"
        "Reply YES to start the search, or correct what is wrong.",
    },
    "urgent_suffix": {"fr": " (urgent)", "en": " (urgent)"},
    "ask_what_to_change": {
        "fr": "D'accord. Que faut-il changer : le service, le quartier ou la description ? Écrivez simplement "
        "la bonne information (ex. « c'est à Akwa »). ANNULER pour tout abandonner.",
        "en": "All right. What should change: the service, the area or the description? Just write the right "
        "information (e.g. \"it's in Akwa\"). CANCEL to drop it all.",
    },
    "confirm_unclear": {
        "fr": "Répondez OUI pour lancer la recherche, ou écrivez ce qu'il faut corriger.",
        "en": "Reply YES to start the search, or write what needs correcting.",
    },
    "request_received": {
        "fr": "✅ Demande {reference} enregistrée : {category} à {zone}. Nous cherchons un prestataire "
        "et vous tenons informé. Gardez cette référence. (STATUT pour suivre, ANNULER pour annuler)",
        "en": "✅ Request {reference} received: {category} in {zone}. We are looking for a provider "
        "and will keep you posted. Keep this reference. (STATUS to follow, CANCEL to cancel)",
    },
    "already_open": {
        "fr": "Votre demande {reference} est en cours ({status}). Envoyez STATUT pour les nouvelles "
        "ou ANNULER pour l'annuler.",
        "en": "Your request {reference} is in progress ({status}). Send STATUS for news "
        "or CANCEL to cancel it.",
    },
    "emoji_only": {
        "fr": "😊 Merci ! Pour vous aider, écrivez en quelques mots le service dont vous avez besoin "
        "et votre quartier (ex. « fuite d'eau à Bonamoussadi »). AIDE pour l'aide.",
        "en": "😊 Thanks! To help you, tell us in a few words the service you need and your area "
        "(e.g. \"water leak in Bonamoussadi\"). HELP for help.",
    },
    "media_received": {
        "fr": "📷 Merci pour la photo, je la joins à votre demande : le prestataire la verra.",
        "en": "📷 Thanks for the picture, I'm attaching it to your request: the provider will see it.",
    },
    "media_added": {
        "fr": "📷 Merci, la photo est ajoutée à votre demande {reference}.",
        "en": "📷 Thanks, the picture is added to your request {reference}.",
    },
    "voice_note": {
        "fr": "🎤 Merci ! Nous ne pouvons pas encore écouter les messages vocaux : écrivez votre besoin en "
        "quelques mots, avec votre quartier (ex. « fuite d'eau à Bonamoussadi »).",
        "en": "🎤 Thanks! We can't listen to voice notes yet: please type what you need in a few words, "
        "with your area (e.g. \"water leak in Bonamoussadi\").",
    },
    "sticker": {
        "fr": "😄 Merci pour le sticker ! Dites-nous en quelques mots ce dont vous avez besoin, avec votre quartier.",
        "en": "😄 Thanks for the sticker! Tell us in a few words what you need, with your area.",
    },
    "contact_card": {
        "fr": "📇 Merci pour le contact. Si la demande est pour cette personne, écrivez son besoin et son "
        "quartier : nous organisons tout avec vous.",
        "en": "📇 Thanks for the contact. If the job is for that person, type their need and their area: "
        "we'll arrange it all with you.",
    },
    "unsupported": {
        "fr": "Nous ne savons pas encore lire ce type de message 🙏 Écrivez-nous en texte, s'il vous plaît.",
        "en": "We can't read this kind of message yet 🙏 Please write to us in text.",
    },
    "location_unknown": {
        "fr": "📍 Merci ! Cette position est loin des quartiers que nous couvrons (Douala, Yaoundé). "
        "Écrivez le nom de votre quartier, s'il vous plaît.",
        "en": "📍 Thanks! This location is far from the areas we cover (Douala, Yaoundé). "
        "Please type the name of your neighbourhood.",
    },
    "opted_out": {
        "fr": "Vous ne recevrez plus de messages de Djobea, sauf nos réponses à vos propres messages. "
        "Écrivez DEMARRER pour revenir.",
        "en": "You will no longer get messages from Djobea, except our answers to your own messages. "
        "Write START to come back.",
    },
    "opted_in": {
        "fr": "C'est noté, vous recevez à nouveau les messages de Djobea 😊",
        "en": "Done, you will receive Djobea's messages again 😊",
    },
    "unknown_language": {
        "fr": "Désolé, je parle français et anglais. Écrivez votre besoin et votre quartier dans l'une de ces "
        "langues. / Sorry, I speak French and English. Please write your need and your area in one of them.",
        "en": "Sorry, I speak English and French. Please write your need and your area in one of them. / "
        "Désolé, je parle anglais et français. Écrivez votre besoin et votre quartier dans l'une de ces langues.",
    },
    # --- Client: beyond the slots (marketplace/inbound/intents.py) ---------------------------
    "intent_join": {
        "fr": "Merci de vouloir rejoindre Djobea 🙌 Notre équipe va vous contacter pour vous inscrire comme "
        "prestataire (votre métier et vos quartiers).",
        "en": "Thank you for wanting to join Djobea 🙌 Our team will contact you to register you as a provider "
        "(your trade and your areas).",
    },
    "intent_complaint": {
        "fr": "Nous sommes désolés 🙏 Votre message ({reference}) est transmis à notre équipe : une personne va "
        "vous appeler rapidement.",
        "en": "We are sorry 🙏 Your message ({reference}) has gone to our team: a person will call you shortly.",
    },
    "intent_arrival": {
        "fr": "{provider} a accepté votre demande {reference} à {time}. Son numéro : {phone}. Appelez-le/la pour "
        "convenir de l'heure ; s'il/elle ne répond pas, écrivez-nous et notre équipe le/la relancera.",
        "en": "{provider} accepted your job {reference} at {time}. Their number: {phone}. Call them to agree "
        "the time; if they don't answer, write to us and our team will chase them.",
    },
    "intent_arrival_searching": {
        "fr": "Personne n'a encore accepté {reference} : nous attendons la réponse d'un prestataire. Dès qu'il "
        "accepte, vous recevez son nom et son numéro.",
        "en": "Nobody has accepted {reference} yet: we are waiting for a provider's answer. As soon as one "
        "accepts, you get their name and number.",
    },
    "intent_status": {"fr": "Votre demande {reference} : {status}.", "en": "Your request {reference}: {status}."},
    "intent_price": {
        "fr": "Chez Djobea, le prix se convient directement avec le prestataire : il vous propose un prix après "
        "avoir vu le travail, et vous décidez avant qu'il commence.",
        "en": "With Djobea you agree the price directly with the provider: they quote after seeing the job, "
        "and you decide before the work starts.",
    },
    "intent_price_provider": {
        "fr": "Vous pouvez en parler dès maintenant avec {provider} au {phone}.",
        "en": "You can talk about it now with {provider} on {phone}.",
    },
    "intent_thanks": {
        "fr": "Avec plaisir 😊 Nous restons là : décrivez un nouveau besoin quand vous voulez.",
        "en": "You're welcome 😊 We're here: describe a new need whenever you like.",
    },
    "intent_greeting": {
        "fr": "Bonjour 👋 Content de vous relire ! Un nouveau besoin ? Décrivez-le avec votre quartier. "
        "STATUT pour suivre vos demandes.",
        "en": "Hello 👋 Good to hear from you again! A new need? Describe it with your area. "
        "STATUS to follow your requests.",
    },
    "not_a_provider": {
        "fr": "Ce numéro n'est pas enregistré comme prestataire Djobea, il ne peut donc pas répondre à {reference}. "
        "Pour devenir prestataire, écrivez « devenir prestataire ». Pour un besoin, décrivez-le avec votre quartier.",
        "en": "This number is not registered as a Djobea provider, so it cannot answer {reference}. "
        "To become one, write \"become a provider\". For a need, describe it with your area.",
    },
    # --- Client: commands -------------------------------------------------------------------
    "help": {
        "fr": "Djobea vous trouve un artisan près de chez vous. Décrivez votre besoin et votre "
        "quartier (ex. « fuite d'eau à Bonamoussadi »).\nCommandes : STATUT (suivre vos demandes), "
        "ANNULER (annuler la demande en cours), AIDE (ce message).",
        "en": "Djobea finds you a tradesperson nearby. Describe what you need and your area "
        "(e.g. \"need an electrician in Bastos\").\nCommands: STATUS (follow your requests), "
        "CANCEL (cancel the open request), HELP (this message).",
    },
    "status_unconfirmed": {
        "fr": "Votre demande n'est pas encore lancée : répondez OUI au récapitulatif pour lancer la recherche, "
        "ou ANNULER pour l'abandonner.",
        "en": "Your request is not started yet: reply YES to the summary to start the search, "
        "or CANCEL to drop it.",
    },
    "status_none": {
        "fr": "Vous n'avez aucune demande en cours. Décrivez votre besoin pour en créer une.",
        "en": "You have no open request. Describe what you need to create one.",
    },
    "status_line": {
        "fr": "• {reference} – {category} à {zone} : {status}",
        "en": "• {reference} – {category} in {zone}: {status}",
    },
    "status_header": {"fr": "Vos demandes en cours :", "en": "Your open requests:"},
    "status_assigned_suffix": {"fr": " ({provider}, {phone})", "en": " ({provider}, {phone})"},
    "cancel_nothing": {
        "fr": "Vous n'avez aucune demande à annuler.",
        "en": "You have no request to cancel.",
    },
    "cancel_intake": {
        "fr": "D'accord, j'ai effacé votre demande en préparation. Écrivez-nous quand vous voulez.",
        "en": "All right, I cleared the request you were preparing. Write to us whenever you like.",
    },
    "cancel_done": {
        "fr": "❌ Demande {reference} annulée. Merci d'avoir utilisé Djobea.",
        "en": "❌ Request {reference} cancelled. Thank you for using Djobea.",
    },
    "cancel_refused": {
        "fr": "La demande {reference} ne peut plus être annulée ({status}). Contactez-nous si besoin.",
        "en": "Request {reference} can no longer be cancelled ({status}). Contact us if needed.",
    },
    # --- Client: proactive updates ----------------------------------------------------------
    "client_offer_sent": {
        "fr": "🔎 {reference} : nous avons proposé votre demande à un prestataire, nous attendons sa réponse.",
        "en": "🔎 {reference}: we offered your job to a provider and are waiting for their answer.",
    },
    "client_offer_next": {
        "fr": "🔎 {reference} : le prestataire précédent n'est pas disponible, nous avons proposé votre demande "
        "à un autre et attendons sa réponse.",
        "en": "🔎 {reference}: the previous provider is not available, so we offered your job to another one "
        "and are waiting for their answer.",
    },
    "client_assigned": {
        "fr": "🎉 {reference} : {provider} ({category}) a accepté votre demande ! Son numéro : {phone}. "
        "Il/elle va vous contacter.",
        "en": "🎉 {reference}: {provider} ({category}) accepted your job! Their number: {phone}. "
        "They will contact you.",
    },
    "client_countdown": {
        "fr": "⏳ {reference} : nous cherchons toujours. Sans prestataire dans {minutes} min, "
        "notre équipe prendra le relais personnellement.",
        "en": "⏳ {reference}: still searching. If no provider accepts within {minutes} min, "
        "our team will take over personally.",
    },
    "client_escalated": {
        "fr": "🙏 {reference} : aucun prestataire disponible n'a pu accepter pour l'instant. Notre équipe "
        "a été alertée et vous contactera rapidement. Votre demande n'est pas perdue.",
        "en": "🙏 {reference}: no available provider could accept yet. Our team has been alerted "
        "and will contact you shortly. Your request is not lost.",
    },
    "client_zone_changed": {
        "fr": "📍 C'est corrigé : {reference} est maintenant à {zone}. Nous cherchons un prestataire près de là.",
        "en": "📍 Corrected: {reference} is now in {zone}. We are looking for a provider near there.",
    },
    "second_need": {
        "fr": "Votre demande {reference} reste en cours. Pour ce nouveau besoin, on prépare une deuxième demande :",
        "en": "Your request {reference} is still open. For this new need, let's prepare a second request:",
    },
    "client_completed": {
        "fr": "✅ {reference} terminée. Merci d'avoir utilisé Djobea !",
        "en": "✅ {reference} completed. Thank you for using Djobea!",
    },
    # --- Provider ---------------------------------------------------------------------------
    "provider_offer": {
        "fr": "🛠️ Nouvelle demande {reference} : {category} à {zone}{urgent}.\n« {description} »{photos}\n"
        "Répondez OUI pour accepter ou NON pour refuser (valable {minutes} min).",
        "en": "🛠️ New job {reference}: {category} in {zone}{urgent}.\n\"{description}\"{photos}\n"
        "Reply YES to accept or NO to decline (valid {minutes} min).",
    },
    "provider_reminder": {
        "fr": "⏰ Rappel : la demande {reference} ({category} à {zone}) expire dans {minutes} min. "
        "Répondez OUI ou NON.",
        "en": "⏰ Reminder: job {reference} ({category} in {zone}) expires in {minutes} min. "
        "Reply YES or NO.",
    },
    "provider_assigned": {
        "fr": "👍 C'est à vous ! {reference} : {category} à {zone}. Client : {client}. "
        "Appelez-le/la pour convenir de l'heure et de l'adresse exacte. Répondez TERMINÉ quand le travail est fait.",
        "en": "👍 The job is yours! {reference}: {category} in {zone}. Client: {client}. "
        "Call them to agree the time and the exact address. Reply DONE when the work is finished.",
    },
    "provider_completed_ack": {
        "fr": "✅ Merci ! La demande {reference} ({category} à {zone}) est terminée, le client est prévenu.",
        "en": "✅ Thank you! Job {reference} ({category} in {zone}) is completed and the client has been told.",
    },
    "provider_no_job": {
        "fr": "Vous n'avez aucun travail en cours à terminer. Pour une demande proposée, répondez OUI ou NON.",
        "en": "You have no job in progress to complete. For an offered job, reply YES or NO.",
    },
    "provider_which_job": {
        "fr": "Vous avez plusieurs travaux en cours : {references}. Répondez par exemple « TERMINÉ {example} ».",
        "en": "You have several jobs in progress: {references}. Reply for example \"DONE {example}\".",
    },
    "provider_declined_ack": {
        "fr": "Compris, la demande {reference} est proposée à quelqu'un d'autre. Merci !",
        "en": "Understood, job {reference} goes to someone else. Thank you!",
    },
    "provider_expired": {
        "fr": "⌛ La demande {reference} a expiré sans réponse et a été proposée à un autre prestataire.",
        "en": "⌛ Job {reference} expired without an answer and was offered to another provider.",
    },
    "provider_expired_staff": {
        "fr": "⌛ La demande {reference} a expiré sans réponse ; notre équipe cherche maintenant quelqu'un. "
        "Si vous êtes encore disponible, répondez OUI {reference}.",
        "en": "⌛ Job {reference} expired without an answer; our team is now looking for someone. "
        "If you are still available, reply YES {reference}.",
    },
    "provider_withdrawn": {
        "fr": "ℹ️ La demande {reference} a été annulée par le client. Vous n'avez rien à faire.",
        "en": "ℹ️ Job {reference} was cancelled by the client. Nothing to do.",
    },
    "provider_withdrawn_moved": {
        "fr": "ℹ️ La demande {reference} a changé de quartier et ne vous est plus proposée. Merci !",
        "en": "ℹ️ Job {reference} moved to another area and is no longer offered to you. Thank you!",
    },
    "provider_already_taken": {
        "fr": "Désolé, la demande {reference} a déjà été attribuée. Merci pour votre rapidité !",
        "en": "Sorry, job {reference} has already been taken. Thanks for being quick!",
    },
    "provider_offer_closed": {
        "fr": "Désolé, la demande {reference} n'est plus disponible ({status}).",
        "en": "Sorry, job {reference} is no longer available ({status}).",
    },
    "provider_no_offer": {
        "fr": "Vous n'avez aucune demande en attente de réponse pour le moment. "
        "Nous vous écrirons dès qu'un client aura besoin de vous.",
        "en": "You have no job waiting for your answer right now. "
        "We'll message you as soon as a client needs you.",
    },
    "provider_which_offer": {
        "fr": "Vous avez plusieurs demandes en attente : {references}. Répondez par exemple « OUI {example} ».",
        "en": "You have several jobs waiting: {references}. Reply for example \"YES {example}\".",
    },
    "provider_unclear": {
        "fr": "Vous acceptez {reference} ? Répondez OUI ou NON.",
        "en": "Do you accept {reference}? Reply YES or NO.",
    },
    "provider_done_not_yet": {
        "fr": "D'accord, rien ne change. Répondez TERMINÉ {reference} quand le travail sera fini.",
        "en": "All right, nothing changes. Reply DONE {reference} when the work is finished.",
    },
    "provider_done_asking": {
        "fr": "Le travail {reference} est-il fini ? Si oui, répondez TERMINÉ {reference}.",
        "en": "Is job {reference} finished? If so, reply DONE {reference}.",
    },
    "provider_help": {
        "fr": "Quand Djobea vous propose une demande, répondez OUI pour l'accepter ou NON pour la refuser. "
        "Une fois le travail fait, répondez TERMINÉ.",
        "en": "When Djobea offers you a job, reply YES to accept it or NO to decline it. "
        "Once the work is done, reply DONE.",
    },
    "provider_unassigned": {
        "fr": "ℹ️ Notre équipe a confié la demande {reference} à un autre prestataire. Merci.",
        "en": "ℹ️ Our team handed job {reference} to another provider. Thank you.",
    },
    "provider_cancelled_assigned": {
        "fr": "ℹ️ Le client a annulé la demande {reference} qui vous était attribuée. Désolé pour le dérangement.",
        "en": "ℹ️ The client cancelled job {reference} that was assigned to you. Sorry for the trouble.",
    },
}

STATUS_NAMES: dict[str, dict[str, str]] = {
    "collecting": {"fr": "en préparation", "en": "being prepared"},
    "searching": {"fr": "recherche d'un prestataire", "en": "looking for a provider"},
    "offered": {"fr": "proposée à un prestataire", "en": "offered to a provider"},
    "assigned": {"fr": "prestataire trouvé", "en": "provider assigned"},
    "in_progress": {"fr": "travaux en cours", "en": "work in progress"},
    "completed": {"fr": "terminée", "en": "completed"},
    "escalated": {"fr": "prise en charge par notre équipe", "en": "handled by our team"},
    "cancelled": {"fr": "annulée", "en": "cancelled"},
    "expired": {"fr": "expirée", "en": "expired"},
    # offer statuses, for a provider answering an offer that is no longer pending
    "declined": {"fr": "refusée", "en": "declined"},
    "withdrawn": {"fr": "retirée", "en": "withdrawn"},
    "accepted": {"fr": "déjà acceptée", "en": "already accepted"},
}


def _lang(language: str) -> str:
    return language if language in ("fr", "en") else "fr"


def render(key: str, language: str, **params) -> str:
    return TEXTS[key][_lang(language)].format(**params)


def status_name(status: str, language: str) -> str:
    return STATUS_NAMES.get(status, {}).get(_lang(language), status)
