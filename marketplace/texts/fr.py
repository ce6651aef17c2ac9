"""Djobea's messages in French: one entry per text key (marketplace/texts/__init__.py)."""

TEXTS: dict[str, str] = {
    # --- Client: intake
    "ask_category": (
        "Bonjour 👋 C'est Djobea. De quel service avez-vous besoin ? (ex. plombier, électricien, "
        "réparation de machine à laver…)"
    ),
    "ask_zone": (
        "Noté : {category}. Dans quel quartier êtes-vous ? (ex. Bonamoussadi, Akwa, Makepe, "
        "Bastos…)"
    ),
    "ask_zone_again": (
        "Je ne connais pas encore ce quartier 🤔 Pouvez-vous écrire le nom du quartier (ex. "
        "Bonamoussadi, Akwa, PK8, Bastos, Mvan…) ?"
    ),
    "ask_category_again": (
        "Je n'ai pas compris le service demandé 🤔 Écrivez le métier en quelques mots (ex. « "
        "plombier », « électricien », « frigo en panne »)."
    ),
    "ask_description": "Merci. Décrivez le problème en une phrase (ex. « le robinet de la cuisine fuit »).",
    "confirm": (
        "Récapitulatif : {category} à {zone}{urgent}.\n« {description} »\nRépondez OUI pour lancer "
        "la recherche, ou corrigez ce qui ne va pas."
    ),
    "urgent_suffix": " (urgent)",
    "ask_what_to_change": (
        "D'accord. Que faut-il changer : le service, le quartier ou la description ? Écrivez "
        "simplement la bonne information (ex. « c'est à Akwa »). ANNULER pour tout abandonner."
    ),
    "confirm_unclear": "Répondez OUI pour lancer la recherche, ou écrivez ce qu'il faut corriger.",
    "request_received": (
        "✅ Demande {reference} enregistrée : {category} à {zone}. Nous cherchons un prestataire et "
        "vous tenons informé. Gardez cette référence. (STATUT pour suivre, ANNULER pour annuler)"
    ),
    "already_open": (
        "Votre demande {reference} est en cours ({status}). Envoyez STATUT pour les nouvelles ou "
        "ANNULER pour l'annuler."
    ),
    "emoji_only": (
        "😊 Merci ! Pour vous aider, écrivez en quelques mots le service dont vous avez besoin et "
        "votre quartier (ex. « fuite d'eau à Bonamoussadi »). AIDE pour l'aide."
    ),
    "media_received": "📷 Merci pour la photo, je la joins à votre demande : le prestataire la verra.",
    "media_added": "📷 Merci, la photo est ajoutée à votre demande {reference}.",
    "voice_note": (
        "🎤 Merci ! Nous ne pouvons pas encore écouter les messages vocaux : écrivez votre besoin "
        "en quelques mots, avec votre quartier (ex. « fuite d'eau à Bonamoussadi »)."
    ),
    "sticker": (
        "😄 Merci pour le sticker ! Dites-nous en quelques mots ce dont vous avez besoin, avec "
        "votre quartier."
    ),
    "contact_card": (
        "📇 Merci pour le contact. Si la demande est pour cette personne, écrivez son besoin et son "
        "quartier : nous organisons tout avec vous."
    ),
    "unsupported": (
        "Nous ne savons pas encore lire ce type de message 🙏 Écrivez-nous en texte, s'il vous "
        "plaît."
    ),
    "location_unknown": (
        "📍 Merci ! Cette position est loin des quartiers que nous couvrons (Douala, Yaoundé). "
        "Écrivez le nom de votre quartier, s'il vous plaît."
    ),
    "opted_out": (
        "Vous ne recevrez plus de messages de Djobea, sauf nos réponses à vos propres messages. "
        "Écrivez DEMARRER pour revenir."
    ),
    "opted_in": "C'est noté, vous recevez à nouveau les messages de Djobea 😊",
    "unknown_language": (
        "Désolé, je parle français et anglais. Écrivez votre besoin et votre quartier dans l'une "
        "de ces langues. / Sorry, I speak French and English. Please write your need and your area "
        "in one of them."
    ),
    # --- Client: beyond the slots (marketplace/inbound/intents.py)
    "intent_join": (
        "Merci de vouloir rejoindre Djobea 🙌 Notre équipe va vous contacter pour vous inscrire "
        "comme prestataire (votre métier et vos quartiers)."
    ),
    "intent_complaint": (
        "Nous sommes désolés 🙏 Votre message ({reference}) est transmis à notre équipe : une "
        "personne va vous appeler rapidement."
    ),
    "intent_arrival": (
        "{provider} a accepté votre demande {reference} à {time}. Son numéro : {phone}. "
        "Appelez-le/la pour convenir de l'heure ; s'il/elle ne répond pas, écrivez-nous et notre "
        "équipe le/la relancera."
    ),
    "intent_arrival_searching": (
        "Personne n'a encore accepté {reference} : nous attendons la réponse d'un prestataire. Dès "
        "qu'il accepte, vous recevez son nom et son numéro."
    ),
    "intent_status": "Votre demande {reference} : {status}.",
    "intent_price": (
        "Chez Djobea, le prix se convient directement avec le prestataire : il vous propose un "
        "prix après avoir vu le travail, et vous décidez avant qu'il commence."
    ),
    "intent_price_provider": "Vous pouvez en parler dès maintenant avec {provider} au {phone}.",
    "intent_thanks": "Avec plaisir 😊 Nous restons là : décrivez un nouveau besoin quand vous voulez.",
    "intent_greeting": (
        "Bonjour 👋 Content de vous relire ! Un nouveau besoin ? Décrivez-le avec votre quartier. "
        "STATUT pour suivre vos demandes."
    ),
    "not_a_provider": (
        "Ce numéro n'est pas enregistré comme prestataire Djobea, il ne peut donc pas répondre à "
        "{reference}. Pour devenir prestataire, écrivez « devenir prestataire ». Pour un besoin, "
        "décrivez-le avec votre quartier."
    ),
    # --- Client: commands
    "help": (
        "Djobea vous trouve un artisan près de chez vous. Décrivez votre besoin et votre quartier "
        "(ex. « fuite d'eau à Bonamoussadi »).\nCommandes : STATUT (suivre vos demandes), ANNULER "
        "(annuler la demande en cours), AIDE (ce message)."
    ),
    "status_unconfirmed": (
        "Votre demande n'est pas encore lancée : répondez OUI au récapitulatif pour lancer la "
        "recherche, ou ANNULER pour l'abandonner."
    ),
    "status_none": "Vous n'avez aucune demande en cours. Décrivez votre besoin pour en créer une.",
    "status_line": "• {reference} – {category} à {zone} : {status}",
    "status_header": "Vos demandes en cours :",
    "status_assigned_suffix": " ({provider}, {phone})",
    "cancel_nothing": "Vous n'avez aucune demande à annuler.",
    "cancel_intake": "D'accord, j'ai effacé votre demande en préparation. Écrivez-nous quand vous voulez.",
    "cancel_done": "❌ Demande {reference} annulée. Merci d'avoir utilisé Djobea.",
    "cancel_refused": "La demande {reference} ne peut plus être annulée ({status}). Contactez-nous si besoin.",
    # --- Client: proactive updates
    "client_offer_sent": (
        "🔎 {reference} : nous avons proposé votre demande à un prestataire, nous attendons sa "
        "réponse."
    ),
    "client_offer_next": (
        "🔎 {reference} : le prestataire précédent n'est pas disponible, nous avons proposé votre "
        "demande à un autre et attendons sa réponse."
    ),
    "client_assigned": (
        "🎉 {reference} : {provider} ({category}) a accepté votre demande ! Son numéro : {phone}. "
        "Il/elle va vous contacter."
    ),
    "client_countdown": (
        "⏳ {reference} : nous cherchons toujours. Sans prestataire dans {minutes} min, notre "
        "équipe prendra le relais personnellement."
    ),
    "client_escalated": (
        "🙏 {reference} : aucun prestataire disponible n'a pu accepter pour l'instant. Notre équipe "
        "a été alertée et vous contactera rapidement. Votre demande n'est pas perdue."
    ),
    "client_zone_changed": (
        "📍 C'est corrigé : {reference} est maintenant à {zone}. Nous cherchons un prestataire près "
        "de là."
    ),
    "second_need": (
        "Votre demande {reference} reste en cours. Pour ce nouveau besoin, on prépare une deuxième "
        "demande :"
    ),
    "client_completed": "✅ {reference} terminée. Merci d'avoir utilisé Djobea !",
    # --- Provider
    "provider_offer": (
        "🛠️ Nouvelle demande {reference} : {category} à {zone}{urgent}.\n« {description} "
        "»{photos}\nRépondez OUI pour accepter ou NON pour refuser (valable {minutes} min)."
    ),
    "provider_reminder": (
        "⏰ Rappel : la demande {reference} ({category} à {zone}) expire dans {minutes} min. "
        "Répondez OUI ou NON."
    ),
    "provider_assigned": (
        "👍 C'est à vous ! {reference} : {category} à {zone}. Client : {client}. Appelez-le/la pour "
        "convenir de l'heure et de l'adresse exacte. Répondez TERMINÉ quand le travail est fait."
    ),
    "provider_completed_ack": (
        "✅ Merci ! La demande {reference} ({category} à {zone}) est terminée, le client est "
        "prévenu."
    ),
    "provider_no_job": (
        "Vous n'avez aucun travail en cours à terminer. Pour une demande proposée, répondez OUI ou "
        "NON."
    ),
    "provider_which_job": (
        "Vous avez plusieurs travaux en cours : {references}. Répondez par exemple « TERMINÉ "
        "{example} »."
    ),
    "provider_declined_ack": "Compris, la demande {reference} est proposée à quelqu'un d'autre. Merci !",
    "provider_expired": "⌛ La demande {reference} a expiré sans réponse et a été proposée à un autre prestataire.",
    "provider_expired_staff": (
        "⌛ La demande {reference} a expiré sans réponse ; notre équipe cherche maintenant "
        "quelqu'un. Si vous êtes encore disponible, répondez OUI {reference}."
    ),
    "provider_withdrawn": "ℹ️ La demande {reference} a été annulée par le client. Vous n'avez rien à faire.",
    "provider_withdrawn_moved": "ℹ️ La demande {reference} a changé de quartier et ne vous est plus proposée. Merci !",
    "provider_already_taken": "Désolé, la demande {reference} a déjà été attribuée. Merci pour votre rapidité !",
    "provider_offer_closed": "Désolé, la demande {reference} n'est plus disponible ({status}).",
    "provider_no_offer": (
        "Vous n'avez aucune demande en attente de réponse pour le moment. Nous vous écrirons dès "
        "qu'un client aura besoin de vous."
    ),
    "provider_which_offer": (
        "Vous avez plusieurs demandes en attente : {references}. Répondez par exemple « OUI "
        "{example} »."
    ),
    "provider_unclear": "Vous acceptez {reference} ? Répondez OUI ou NON.",
    "provider_done_not_yet": "D'accord, rien ne change. Répondez TERMINÉ {reference} quand le travail sera fini.",
    "provider_done_asking": "Le travail {reference} est-il fini ? Si oui, répondez TERMINÉ {reference}.",
    "provider_help": (
        "Quand Djobea vous propose une demande, répondez OUI pour l'accepter ou NON pour la "
        "refuser. Une fois le travail fait, répondez TERMINÉ."
    ),
    "provider_unassigned": "ℹ️ Notre équipe a confié la demande {reference} à un autre prestataire. Merci.",
    "provider_cancelled_assigned": (
        "ℹ️ Le client a annulé la demande {reference} qui vous était attribuée. Désolé pour le "
        "dérangement."
    ),
}

STATUS_NAMES: dict[str, str] = {
    "collecting": "en préparation",
    "searching": "recherche d'un prestataire",
    "offered": "proposée à un prestataire",
    "assigned": "prestataire trouvé",
    "in_progress": "travaux en cours",
    "completed": "terminée",
    "escalated": "prise en charge par notre équipe",
    "cancelled": "annulée",
    "expired": "expirée",
    "declined": "refusée",
    "withdrawn": "retirée",
    "accepted": "déjà acceptée",
}
