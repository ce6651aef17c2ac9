"""Djobea's messages in English: one entry per text key (marketplace/texts/__init__.py)."""

TEXTS: dict[str, str] = {
    # --- Client: intake
    "ask_category": (
        "Hello 👋 This is Djobea. What service do you need? (e.g. plumber, electrician, washing "
        "machine repair…)"
    ),
    "ask_zone": "Got it: {category}. Which area are you in? (e.g. Bonamoussadi, Akwa, Makepe, Bastos…)",
    "ask_zone_again": (
        "I don't know that area yet 🤔 Could you type the name of your neighbourhood (e.g. "
        "Bonamoussadi, Akwa, PK8, Bastos, Mvan…)?"
    ),
    "ask_category_again": (
        "I didn't catch which service you need 🤔 Please name the trade in a few words (e.g. "
        "\"plumber\", \"electrician\", \"fridge not cooling\")."
    ),
    "ask_description": "Thanks. Describe the problem in one sentence (e.g. \"the kitchen tap is leaking\").",
    "confirm": (
        "Summary: {category} in {zone}{urgent}.\n\"{description}\"\nReply YES to start the search, or "
        "correct what is wrong."
    ),
    "urgent_suffix": " (urgent)",
    "ask_what_to_change": (
        "All right. What should change: the service, the area or the description? Just write the "
        "right information (e.g. \"it's in Akwa\"). CANCEL to drop it all."
    ),
    "confirm_unclear": "Reply YES to start the search, or write what needs correcting.",
    "request_received": (
        "✅ Request {reference} received: {category} in {zone}. We are looking for a provider and "
        "will keep you posted. Keep this reference. (STATUS to follow, CANCEL to cancel)"
    ),
    "already_open": (
        "Your request {reference} is in progress ({status}). Send STATUS for news or CANCEL to "
        "cancel it."
    ),
    "emoji_only": (
        "😊 Thanks! To help you, tell us in a few words the service you need and your area (e.g. "
        "\"water leak in Bonamoussadi\"). HELP for help."
    ),
    "media_received": "📷 Thanks for the picture, I'm attaching it to your request: the provider will see it.",
    "media_added": "📷 Thanks, the picture is added to your request {reference}.",
    "voice_note": (
        "🎤 Thanks! We can't listen to voice notes yet: please type what you need in a few words, "
        "with your area (e.g. \"water leak in Bonamoussadi\")."
    ),
    "sticker": "😄 Thanks for the sticker! Tell us in a few words what you need, with your area.",
    "contact_card": (
        "📇 Thanks for the contact. If the job is for that person, type their need and their area: "
        "we'll arrange it all with you."
    ),
    "unsupported": "We can't read this kind of message yet 🙏 Please write to us in text.",
    "location_unknown": (
        "📍 Thanks! This location is far from the areas we cover (Douala, Yaoundé). Please type the "
        "name of your neighbourhood."
    ),
    "opted_out": (
        "You will no longer get messages from Djobea, except our answers to your own messages. "
        "Write START to come back."
    ),
    "opted_in": "Done, you will receive Djobea's messages again 😊",
    "unknown_language": (
        "Sorry, I speak English and French. Please write your need and your area in one of them. / "
        "Désolé, je parle anglais et français. Écrivez votre besoin et votre quartier dans l'une "
        "de ces langues."
    ),
    # --- Client: beyond the slots (marketplace/inbound/intents.py)
    "intent_join": (
        "Thank you for wanting to join Djobea 🙌 Our team will contact you to register you as a "
        "provider (your trade and your areas)."
    ),
    "intent_complaint": (
        "We are sorry 🙏 Your message ({reference}) has gone to our team: a person will call you "
        "shortly."
    ),
    "intent_arrival": (
        "{provider} accepted your job {reference} at {time}. Their number: {phone}. Call them to "
        "agree the time; if they don't answer, write to us and our team will chase them."
    ),
    "intent_arrival_searching": (
        "Nobody has accepted {reference} yet: we are waiting for a provider's answer. As soon as "
        "one accepts, you get their name and number."
    ),
    "intent_status": "Your request {reference}: {status}.",
    "intent_price": (
        "With Djobea you agree the price directly with the provider: they quote after seeing the "
        "job, and you decide before the work starts."
    ),
    "intent_price_provider": "You can talk about it now with {provider} on {phone}.",
    "intent_thanks": "You're welcome 😊 We're here: describe a new need whenever you like.",
    "intent_greeting": (
        "Hello 👋 Good to hear from you again! A new need? Describe it with your area. STATUS to "
        "follow your requests."
    ),
    "not_a_provider": (
        "This number is not registered as a Djobea provider, so it cannot answer {reference}. To "
        "become one, write \"become a provider\". For a need, describe it with your area."
    ),
    # --- Client: commands
    "help": (
        "Djobea finds you a tradesperson nearby. Describe what you need and your area (e.g. \"need "
        "an electrician in Bastos\").\nCommands: STATUS (follow your requests), CANCEL (cancel the "
        "open request), HELP (this message)."
    ),
    "status_unconfirmed": (
        "Your request is not started yet: reply YES to the summary to start the search, or CANCEL "
        "to drop it."
    ),
    "status_none": "You have no open request. Describe what you need to create one.",
    "status_line": "• {reference} – {category} in {zone}: {status}",
    "status_header": "Your open requests:",
    "status_assigned_suffix": " ({provider}, {phone})",
    "cancel_nothing": "You have no request to cancel.",
    "cancel_intake": "All right, I cleared the request you were preparing. Write to us whenever you like.",
    "cancel_done": "❌ Request {reference} cancelled. Thank you for using Djobea.",
    "cancel_refused": "Request {reference} can no longer be cancelled ({status}). Contact us if needed.",
    # --- Client: proactive updates
    "client_offer_sent": "🔎 {reference}: we offered your job to a provider and are waiting for their answer.",
    "client_offer_next": (
        "🔎 {reference}: the previous provider is not available, so we offered your job to another "
        "one and are waiting for their answer."
    ),
    "client_assigned": (
        "🎉 {reference}: {provider} ({category}) accepted your job! Their number: {phone}. They "
        "will contact you."
    ),
    "client_countdown": (
        "⏳ {reference}: still searching. If no provider accepts within {minutes} min, our team "
        "will take over personally."
    ),
    "client_escalated": (
        "🙏 {reference}: no available provider could accept yet. Our team has been alerted and will "
        "contact you shortly. Your request is not lost."
    ),
    "client_zone_changed": "📍 Corrected: {reference} is now in {zone}. We are looking for a provider near there.",
    "second_need": "Your request {reference} is still open. For this new need, let's prepare a second request:",
    "client_completed": "✅ {reference} completed. Thank you for using Djobea!",
    # --- Provider
    "provider_offer": (
        "🛠️ New job {reference}: {category} in {zone}{urgent}.\n\"{description}\"{photos}\nReply YES "
        "to accept or NO to decline (valid {minutes} min)."
    ),
    "provider_reminder": (
        "⏰ Reminder: job {reference} ({category} in {zone}) expires in {minutes} min. Reply YES or "
        "NO."
    ),
    "provider_assigned": (
        "👍 The job is yours! {reference}: {category} in {zone}. Client: {client}. Call them to "
        "agree the time and the exact address. Reply DONE when the work is finished."
    ),
    "provider_completed_ack": (
        "✅ Thank you! Job {reference} ({category} in {zone}) is completed and the client has been "
        "told."
    ),
    "provider_no_job": "You have no job in progress to complete. For an offered job, reply YES or NO.",
    "provider_which_job": "You have several jobs in progress: {references}. Reply for example \"DONE {example}\".",
    "provider_declined_ack": "Understood, job {reference} goes to someone else. Thank you!",
    "provider_expired": "⌛ Job {reference} expired without an answer and was offered to another provider.",
    "provider_expired_staff": (
        "⌛ Job {reference} expired without an answer; our team is now looking for someone. If you "
        "are still available, reply YES {reference}."
    ),
    "provider_withdrawn": "ℹ️ Job {reference} was cancelled by the client. Nothing to do.",
    "provider_withdrawn_moved": "ℹ️ Job {reference} moved to another area and is no longer offered to you. Thank you!",
    "provider_already_taken": "Sorry, job {reference} has already been taken. Thanks for being quick!",
    "provider_offer_closed": "Sorry, job {reference} is no longer available ({status}).",
    "provider_no_offer": (
        "You have no job waiting for your answer right now. We'll message you as soon as a client "
        "needs you."
    ),
    "provider_which_offer": "You have several jobs waiting: {references}. Reply for example \"YES {example}\".",
    "provider_unclear": "Do you accept {reference}? Reply YES or NO.",
    "provider_done_not_yet": "All right, nothing changes. Reply DONE {reference} when the work is finished.",
    "provider_done_asking": "Is job {reference} finished? If so, reply DONE {reference}.",
    "provider_help": (
        "When Djobea offers you a job, reply YES to accept it or NO to decline it. Once the work "
        "is done, reply DONE."
    ),
    "provider_unassigned": "ℹ️ Our team handed job {reference} to another provider. Thank you.",
    "provider_cancelled_assigned": (
        "ℹ️ The client cancelled job {reference} that was assigned to you. Sorry for the trouble."
    ),
}

STATUS_NAMES: dict[str, str] = {
    "collecting": "being prepared",
    "searching": "looking for a provider",
    "offered": "offered to a provider",
    "assigned": "provider assigned",
    "in_progress": "work in progress",
    "completed": "completed",
    "escalated": "handled by our team",
    "cancelled": "cancelled",
    "expired": "expired",
    "declined": "declined",
    "withdrawn": "withdrawn",
    "accepted": "already accepted",
}
