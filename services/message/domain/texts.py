"""Every sentence the bot says, one catalogue per language.

WhatsApp formatting: *bold*, _italic_, line breaks. A message never exceeds
1,600 characters (Twilio's limit); longer ones are split on paragraph, line or
word boundaries.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from babel import Locale

from services.message.domain.language import Language

MAX_MESSAGE = 1600


@dataclass(frozen=True)
class Plural:
    """A sentence whose words follow the number in its `count` placeholder: `one` where the
    language's plural rules (CLDR's, through Babel) say "one", `other` for every other
    number. English and Spanish have just these two for whole numbers; Spanish's "many"
    (a million and over) reads as `other`."""

    count: str
    one: str
    other: str

    def form(self, language: Language, values: Mapping[str, object]) -> str:
        number = values[self.count]
        assert isinstance(number, int)
        return self.one if _plural_category(language, number) == "one" else self.other


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(language.value)


def _plural_category(language: Language, number: int) -> str:
    category: str = _locale(language).plural_form(number)
    return category


Text = str | Plural

EN: dict[str, Text] = {
    "welcome": (
        "👋 Hi! I'm the *Astria portrait bot*.\n"
        "Send me a few selfies and I'll create AI portraits of you (or your pet) in the style "
        "you choose."
    ),
    "consent": (
        "*Before we start*\n"
        "• Your photos are sent to *Astria* (astria.ai), who train a private AI model on them.\n"
        "• We keep your photos and portraits for *{days} days*, then delete them.\n"
        "• Payments go through *Stripe*, which keeps its own record of them.\n"
        "• Reply *DELETE* at any time to erase everything now, here and at Astria.\n\n"
        "Do you agree? Reply *YES* or *NO*."
    ),
    "consent_thanks": "Thank you! 🙌",
    "consent_declined": (
        "No problem — nothing of yours is stored. If you change your mind, just reply *YES*."
    ),
    "consent_reminder": "Please reply *YES* to agree, or *NO* if you'd rather not.",
    "consent_before_photos": ("I haven't kept that photo: I need your agreement first."),
    "subject_menu": "*Who is in the photos?* Tap *Choose*, or reply with a number:\n{options}",
    "subject_unknown": "Sorry, I didn't catch that.",
    "subject_before_photos": "Great photo! First, tell me who is in it.",
    "photos_intro": (
        "📸 Now send me *{min} to {max} photos* of the {subject}, one or several at a time.\n"
        "Tips: good light, face clearly visible, different angles and backgrounds, "
        "no sunglasses, no other people."
    ),
    "photos_preview": "🎨 Above: the styles you can choose from once your photos are in.",
    "photos_need": Plural(
        "count",
        one="You have *{count}* good photo; I need at least *{min}* (up to {max}).",
        other="You have *{count}* good photos; I need at least *{min}* (up to {max}).",
    ),
    "photos_enough": Plural(
        "count",
        one="You have *{count}* good photo. Send more (up to {max}) or reply *DONE* to continue.",
        other=(
            "You have *{count}* good photos. Send more (up to {max}) or reply *DONE* to continue."
        ),
    ),
    "photos_full": "That's the maximum of {max} photos — I've kept the first ones.",
    "photos_still_checking": Plural(
        "pending",
        one="I'm still checking {pending} photo — one moment, please.",
        other="I'm still checking {pending} photos — one moment, please.",
    ),
    "photos_not_enough": Plural(
        "count",
        one="Only *{count}* good photo so far; I need at least *{min}*.",
        other="Only *{count}* good photos so far; I need at least *{min}*.",
    ),
    "photos_text_hint": "I'm waiting for photos 📸",
    "button_agree": "Yes, I agree",
    "button_decline": "No, thanks",
    "button_done": "Done",
    "button_erase": "Yes, erase it all",
    "button_keep": "No, keep it",
    "button_pay": "Pay {price}",
    "menu_choose": "Choose",
    "menu_packs": "See packs",
    "photos_batch_accepted": Plural(
        "count", one="✅ {count} photo accepted.", other="✅ {count} photos accepted."
    ),
    "photos_batch_refused": Plural(
        "count", one="❌ {count} I can't use: {reason}", other="❌ {count} I can't use: {reason}"
    ),
    "photos_batch_more": Plural("more", one="{more} more to go.", other="{more} more to go."),
    "photos_batch_enough": (
        "That's enough to start! Send more for better results (up to {max}), or choose your pack."
    ),
    "photos_batch_full": "That's the maximum of {max} photos.",
    "photos_batch_dropped": Plural(
        "count",
        one="I left out {count} photo that came past the maximum of {max}: send it again if "
        "you like.",
        other="I left out {count} photos that came past the maximum of {max}: send them again "
        "if you like.",
    ),
    "photo_rejected": "❌ I can't use that photo: {reason} Please send another one.",
    "pack_menu": "*Choose your pack* — tap *See packs*, or reply with a number:\n{options}",
    "pack_unknown": "Please reply with the number of a pack.",
    "payment_link": Plural(
        "minutes",
        one=(
            "💳 *{title}* — {price}. Pay securely with Stripe: the link is valid for {minutes} "
            "minute. I'll start as soon as the payment arrives."
        ),
        other=(
            "💳 *{title}* — {price}. Pay securely with Stripe: the link is valid for {minutes} "
            "minutes. I'll start as soon as the payment arrives."
        ),
    ),
    "payment_waiting": "I'm waiting for your payment. Reply *RESTART* to choose again.",
    "payment_preparing_wait": "Your payment link is on its way — one moment, please.",
    "payment_received": (
        "🎉 Payment received, thank you! I'm training your model now and will message you "
        "when your portraits are ready."
    ),
    "payment_received_restyle": (
        "🎉 Payment received, thank you! No training this time: your model makes the new style "
        "now, and I'll message you when the portraits are ready."
    ),
    "restyle_menu": (
        "♻️ Another style needs no new photos and no training: it runs on the model made from "
        "your photos, at the lower prices below."
    ),
    "restyle_expired": (
        "The model made from your photos is gone (Astria keeps it {days} days, and your photos "
        "were deleted by then too), so another style is a new training at the full price. "
        "Please send your photos again."
    ),
    "payment_failed": "The payment did not go through. No money was taken.",
    "checkout_expired": "The payment link expired. No money was taken.",
    "training_wait": (
        "⏳ Your portraits are being made. I'll message you as soon as they're ready — "
        "reply *STATUS* any time."
    ),
    "training_failed": (
        "😔 Something went wrong while training your model. You will be refunded in full."
    ),
    "delivering_wait": "Your portraits are arriving — a few more on the way!",
    "nudge": "👋 Still there? You were halfway to your portraits — here's where we left off:",
    "rate_limited": "⏳ That's a lot of messages at once! I'll read new ones again in a minute.",
    "held_images": "📬 You have news about your portraits — reply to this message to see it.",
    "delivery_summary": Plural(
        "count",
        one="That's it: *{count} portrait*. I hope you love it! 💜",
        other="That's all of them: *{count} portraits*. I hope you love them! 💜",
    ),
    "done_menu": "Want another style with the same photos?",
    "gallery_hint": (
        "Reply *GALLERY* for a link to all of them in full size, *FILES* to get them here as "
        "full-size files, or *RESEND* to get them here again."
    ),
    "resend": Plural(
        "count",
        one="🖼️ Here is your latest portrait again:",
        other="🖼️ Here are your latest {count} portraits again:",
    ),
    "resend_none": "You have no portraits yet. Reply *STATUS* to see where you are.",
    "files": Plural(
        "count",
        one="📎 Your latest portrait in full size, as a file (PDF) to save or print:",
        other="📎 Your latest {count} portraits in full size, as files (PDF) to save or print:",
    ),
    "files_none": (
        "These portraits came before I kept full-size files. Reply *GALLERY* for a link to "
        "download them in full size."
    ),
    "gallery_link": Plural(
        "days",
        one=(
            "🖼️ All your latest portraits, in full size, to view or download on any device. "
            "The link works for *{days} more day*; keep it to yourself."
        ),
        other=(
            "🖼️ All your latest portraits, in full size, to view or download on any device. "
            "The link works for *{days} more days*; keep it to yourself."
        ),
    ),
    "gallery_not_yet": "Your portraits are still arriving; the gallery link comes when they are all here.",
    "portraits_expired": (
        "Your portraits were kept for {days} days, as promised, and have been deleted since. "
        "Choose a pack to make new ones."
    ),
    "button_gallery": "Open gallery",
    "refunded": "💸 Refund of {amount} issued. It can take a few days to show up.",
    "refunded_partly": (
        "💸 Some of your portraits could not be made, so {amount} is on its way back to you "
        "for them. It can take a few days to show up."
    ),
    "help": (
        "*What I can do*\n"
        "I turn your selfies into AI portraits: agree to the terms, say who is in the photos, "
        "send {min_hint} photos, pick a pack, pay, and receive your portraits here.\n\n"
        "*Commands*\n"
        "*STATUS* — where you are\n"
        "*RESTART* — start over (paid orders still arrive)\n"
        "*DELETE* — erase all your data\n"
        "*RESEND* — your latest portraits again\n"
        "*GALLERY* — a link to them in full size\n"
        "*FILES* — them in full size, as files\n"
        "*STOP* / *START* — pause or resume messages\n"
        "*LANGUAGE* — English / Español"
    ),
    "status_new": "We haven't started yet. Say hi!",
    "status_consent": "Step 1 of 5: I'm waiting for you to agree to the terms (*YES*).",
    "status_subject": "Step 2 of 5: tell me who is in the photos.",
    "status_photos": "Step 3 of 5: photos — good so far: *{count}*; at least *{min}* needed.",
    "status_pack": "Step 4 of 5: choose a pack.",
    "status_payment": "Step 5 of 5: I'm waiting for your payment.",
    "status_training": "Your model is training. I'll message you when the portraits are ready.",
    "status_delivering": "Your portraits are being delivered.",
    "status_done": "Your portraits are delivered. Reply with a pack number for another style.",
    "status_paid_orders": Plural(
        "count",
        one="You also have {count} paid order in progress; it will arrive here.",
        other="You also have {count} paid orders in progress; they will arrive here.",
    ),
    "restarted": "🔄 Starting over.",
    "restarted_with_orders": "🔄 Starting over. What you paid for will still arrive here.",
    "delete_confirm": (
        "⚠️ This erases your photos, portraits, and conversation everywhere. "
        "Reply *YES* to confirm, anything else to cancel."
    ),
    "deleted": "🗑️ Done — all your data is being erased. Say hi any time to start again.",
    "delete_cancelled": "Deletion cancelled; nothing was erased.",
    "stopped": "🔕 You won't get any more messages from me. Reply *START* to resume.",
    "stopped_with_orders": (
        "🔕 You won't get any more messages from me. The portraits you paid for are kept for "
        "you: reply *START* to get them."
    ),
    "started": "🔔 Welcome back!",
    "portraits_kept": (
        "🖼️ Your paid portraits are kept for you ({count} ready so far). Reply *START* to get "
        "them; until then I stay quiet."
    ),
    "portraits_kept_here": Plural(
        "count",
        one="🖼️ Here is the portrait kept for you:",
        other="🖼️ Here are the {count} portraits kept for you:",
    ),
    "language_menu": "Choose your language:\n*1.* English\n*2.* Español",
    "language_set": "Language set to English.",
    "unsupported_media": "I can't use {kind} here — I only understand text and photos.",
}

ES: dict[str, Text] = {
    "welcome": (
        "👋 ¡Hola! Soy el *bot de retratos Astria*.\n"
        "Envíame unos selfies y crearé retratos con IA de ti (o de tu mascota) en el estilo "
        "que elijas."
    ),
    "consent": (
        "*Antes de empezar*\n"
        "• Tus fotos se envían a *Astria* (astria.ai), que entrena con ellas un modelo de IA "
        "privado.\n"
        "• Guardamos tus fotos y retratos *{days} días* y después los borramos.\n"
        "• Los pagos pasan por *Stripe*, que guarda su propio registro.\n"
        "• Responde *BORRAR* cuando quieras para eliminarlo todo, aquí y en Astria.\n\n"
        "¿Estás de acuerdo? Responde *SÍ* o *NO*."
    ),
    "consent_thanks": "¡Gracias! 🙌",
    "consent_declined": (
        "Sin problema: no guardamos nada tuyo. Si cambias de opinión, responde *SÍ*."
    ),
    "consent_reminder": "Responde *SÍ* para aceptar, o *NO* si prefieres no hacerlo.",
    "consent_before_photos": "No he guardado esa foto: primero necesito tu consentimiento.",
    "subject_menu": "*¿Quién sale en las fotos?* Toca *Elegir* o responde con un número:\n{options}",
    "subject_unknown": "Perdona, no te he entendido.",
    "subject_before_photos": "¡Buena foto! Primero dime quién sale en ella.",
    "photos_intro": (
        "📸 Ahora envíame *de {min} a {max} fotos* del sujeto ({subject}), de una en una o "
        "varias a la vez.\n"
        "Consejos: buena luz, la cara bien visible, ángulos y fondos distintos, sin gafas de "
        "sol y sin otras personas."
    ),
    "photos_preview": "🎨 Arriba: los estilos que podrás elegir cuando tengas tus fotos.",
    "photos_need": Plural(
        "count",
        one="Tienes *{count}* foto buena; necesito al menos *{min}* (hasta {max}).",
        other="Tienes *{count}* fotos buenas; necesito al menos *{min}* (hasta {max}).",
    ),
    "photos_enough": Plural(
        "count",
        one="Tienes *{count}* foto buena. Envía más (hasta {max}) o responde *LISTO* para seguir.",
        other=(
            "Tienes *{count}* fotos buenas. Envía más (hasta {max}) o responde *LISTO* para seguir."
        ),
    ),
    "photos_full": "Ese es el máximo de {max} fotos; me he quedado con las primeras.",
    "photos_still_checking": Plural(
        "pending",
        one="Todavía estoy revisando {pending} foto; un momento, por favor.",
        other="Todavía estoy revisando {pending} fotos; un momento, por favor.",
    ),
    "photos_not_enough": Plural(
        "count",
        one="Solo hay *{count}* foto buena; necesito al menos *{min}*.",
        other="Solo hay *{count}* fotos buenas; necesito al menos *{min}*.",
    ),
    "photos_text_hint": "Estoy esperando tus fotos 📸",
    "button_agree": "Sí, acepto",
    "button_decline": "No, gracias",
    "button_done": "Listo",
    "button_erase": "Sí, borrar todo",
    "button_keep": "No, conservar",
    "button_pay": "Pagar {price}",
    "menu_choose": "Elegir",
    "menu_packs": "Ver packs",
    "photos_batch_accepted": Plural(
        "count", one="✅ {count} foto aceptada.", other="✅ {count} fotos aceptadas."
    ),
    "photos_batch_refused": Plural(
        "count", one="❌ {count} no me sirve: {reason}", other="❌ {count} no me sirven: {reason}"
    ),
    "photos_batch_more": Plural("more", one="Falta {more} más.", other="Faltan {more} más."),
    "photos_batch_enough": (
        "¡Ya es suficiente para empezar! Envía más para mejores resultados (hasta {max}) o "
        "elige tu pack."
    ),
    "photos_batch_full": "Ese es el máximo de {max} fotos.",
    "photos_batch_dropped": Plural(
        "count",
        one="He dejado fuera {count} foto que llegó pasado el máximo de {max}: vuelve a "
        "enviarla si quieres.",
        other="He dejado fuera {count} fotos que llegaron pasado el máximo de {max}: vuelve a "
        "enviarlas si quieres.",
    ),
    "photo_rejected": "❌ No puedo usar esa foto: {reason} Envíame otra, por favor.",
    "pack_menu": "*Elige tu pack*: toca *Ver packs* o responde con un número:\n{options}",
    "pack_unknown": "Responde con el número de un pack, por favor.",
    "payment_link": Plural(
        "minutes",
        one=(
            "💳 *{title}*: {price}. Paga de forma segura con Stripe; el enlace es válido durante "
            "{minutes} minuto. Empezaré en cuanto llegue el pago."
        ),
        other=(
            "💳 *{title}*: {price}. Paga de forma segura con Stripe; el enlace es válido durante "
            "{minutes} minutos. Empezaré en cuanto llegue el pago."
        ),
    ),
    "payment_waiting": "Estoy esperando tu pago. Responde *REINICIAR* para elegir de nuevo.",
    "payment_preparing_wait": "Tu enlace de pago está en camino; un momento, por favor.",
    "payment_received": (
        "🎉 ¡Pago recibido, gracias! Estoy entrenando tu modelo y te escribiré cuando tus "
        "retratos estén listos."
    ),
    "payment_received_restyle": (
        "🎉 ¡Pago recibido, gracias! Esta vez no hay entrenamiento: tu modelo crea ya el nuevo "
        "estilo y te escribiré cuando tus retratos estén listos."
    ),
    "restyle_menu": (
        "♻️ Otro estilo no necesita fotos nuevas ni entrenamiento: usa el modelo creado con tus "
        "fotos, a los precios rebajados de abajo."
    ),
    "restyle_expired": (
        "El modelo creado con tus fotos ya no existe (Astria lo guarda {days} días, y tus fotos "
        "ya se habían borrado), así que otro estilo es un entrenamiento nuevo a precio "
        "completo. Envíame tus fotos otra vez."
    ),
    "payment_failed": "El pago no se ha completado. No se ha cobrado nada.",
    "checkout_expired": "El enlace de pago ha caducado. No se ha cobrado nada.",
    "training_wait": (
        "⏳ Estoy creando tus retratos. Te escribiré en cuanto estén listos; responde *ESTADO* "
        "cuando quieras."
    ),
    "training_failed": (
        "😔 Algo ha fallado al entrenar tu modelo. Te devolveremos el importe completo."
    ),
    "delivering_wait": "Tus retratos están llegando; ¡faltan unos pocos!",
    "nudge": "👋 ¿Sigues ahí? Te quedaste a medio camino de tus retratos; seguimos aquí:",
    "rate_limited": "⏳ ¡Son muchos mensajes a la vez! Volveré a leer los nuevos en un minuto.",
    "held_images": "📬 Tienes novedades sobre tus retratos: responde a este mensaje para verlas.",
    "delivery_summary": Plural(
        "count",
        one="Eso es todo: *{count} retrato*. ¡Espero que te encante! 💜",
        other="Esos son todos: *{count} retratos*. ¡Espero que te encanten! 💜",
    ),
    "done_menu": "¿Quieres otro estilo con las mismas fotos?",
    "gallery_hint": (
        "Responde *GALERÍA* para un enlace a todos a tamaño completo, *ARCHIVOS* para "
        "recibirlos aquí como archivos a tamaño completo, o *REENVIAR* para recibirlos aquí "
        "otra vez."
    ),
    "resend": Plural(
        "count",
        one="🖼️ Aquí tienes otra vez tu último retrato:",
        other="🖼️ Aquí tienes otra vez tus últimos {count} retratos:",
    ),
    "resend_none": "Aún no tienes retratos. Responde *ESTADO* para ver en qué paso estás.",
    "files": Plural(
        "count",
        one="📎 Tu último retrato a tamaño completo, como archivo (PDF) para guardar o imprimir:",
        other=(
            "📎 Tus últimos {count} retratos a tamaño completo, como archivos (PDF) para "
            "guardar o imprimir:"
        ),
    ),
    "files_none": (
        "Estos retratos llegaron antes de que guardara archivos a tamaño completo. Responde "
        "*GALERÍA* para un enlace para descargarlos a tamaño completo."
    ),
    "gallery_link": Plural(
        "days",
        one=(
            "🖼️ Todos tus últimos retratos, a tamaño completo, para verlos o descargarlos en "
            "cualquier dispositivo. El enlace funciona *{days} día más*; no lo compartas."
        ),
        other=(
            "🖼️ Todos tus últimos retratos, a tamaño completo, para verlos o descargarlos en "
            "cualquier dispositivo. El enlace funciona *{days} días más*; no lo compartas."
        ),
    ),
    "gallery_not_yet": "Tus retratos aún están llegando; el enlace llegará cuando estén todos.",
    "portraits_expired": (
        "Guardamos tus retratos {days} días, como prometimos, y ya se han borrado. Elige un "
        "pack para crear otros nuevos."
    ),
    "button_gallery": "Abrir galería",
    "refunded": "💸 Reembolso de {amount} emitido. Puede tardar unos días en aparecer.",
    "refunded_partly": (
        "💸 Algunos de tus retratos no se pudieron crear, así que te devolvemos {amount} por "
        "ellos. Puede tardar unos días en aparecer."
    ),
    "help": (
        "*Lo que puedo hacer*\n"
        "Convierto tus selfies en retratos con IA: acepta las condiciones, dime quién sale en "
        "las fotos, envía {min_hint} fotos, elige un pack, paga y recibe aquí tus retratos.\n\n"
        "*Comandos*\n"
        "*ESTADO* — en qué paso estás\n"
        "*REINICIAR* — empezar de nuevo (los pedidos pagados siguen llegando)\n"
        "*BORRAR* — eliminar todos tus datos\n"
        "*REENVIAR* — tus últimos retratos otra vez\n"
        "*GALERÍA* — un enlace a ellos a tamaño completo\n"
        "*ARCHIVOS* — ellos a tamaño completo, como archivos\n"
        "*BAJA* / *ALTA* — pausar o reanudar los mensajes\n"
        "*IDIOMA* — English / Español"
    ),
    "status_new": "Aún no hemos empezado. ¡Salúdame!",
    "status_consent": "Paso 1 de 5: espero que aceptes las condiciones (*SÍ*).",
    "status_subject": "Paso 2 de 5: dime quién sale en las fotos.",
    "status_photos": "Paso 3 de 5: fotos — buenas hasta ahora: *{count}*; necesito al menos *{min}*.",
    "status_pack": "Paso 4 de 5: elige un pack.",
    "status_payment": "Paso 5 de 5: espero tu pago.",
    "status_training": "Tu modelo se está entrenando. Te escribiré cuando los retratos estén listos.",
    "status_delivering": "Te estoy enviando tus retratos.",
    "status_done": "Tus retratos están entregados. Responde con un número de pack para otro estilo.",
    "status_paid_orders": Plural(
        "count",
        one="También tienes {count} pedido pagado en curso; llegará aquí.",
        other="También tienes {count} pedidos pagados en curso; llegarán aquí.",
    ),
    "restarted": "🔄 Empezamos de nuevo.",
    "restarted_with_orders": "🔄 Empezamos de nuevo. Lo que ya pagaste seguirá llegando aquí.",
    "delete_confirm": (
        "⚠️ Esto borra tus fotos, retratos y conversación en todas partes. "
        "Responde *SÍ* para confirmar o cualquier otra cosa para cancelar."
    ),
    "deleted": "🗑️ Hecho: estamos borrando todos tus datos. Escríbeme cuando quieras para empezar.",
    "delete_cancelled": "Borrado cancelado; no se ha eliminado nada.",
    "stopped": "🔕 No recibirás más mensajes míos. Responde *ALTA* para reanudar.",
    "stopped_with_orders": (
        "🔕 No recibirás más mensajes míos. Los retratos que pagaste te esperan: responde "
        "*ALTA* para recibirlos."
    ),
    "started": "🔔 ¡Bienvenido de nuevo!",
    "portraits_kept": (
        "🖼️ Tus retratos pagados te esperan ({count} listos hasta ahora). Responde *ALTA* para "
        "recibirlos; hasta entonces no te escribo."
    ),
    "portraits_kept_here": Plural(
        "count",
        one="🖼️ Aquí tienes el retrato que te guardé:",
        other="🖼️ Aquí tienes los {count} retratos que te guardé:",
    ),
    "language_menu": "Elige tu idioma:\n*1.* English\n*2.* Español",
    "language_set": "Idioma cambiado a español.",
    "unsupported_media": "No puedo usar {kind} aquí; solo entiendo texto y fotos.",
}

CATALOGUES: dict[Language, dict[str, Text]] = {Language.EN: EN, Language.ES: ES}

SUBJECTS: dict[Language, dict[str, str]] = {
    Language.EN: {
        "woman": "woman",
        "man": "man",
        "boy": "boy",
        "girl": "girl",
        "dog": "dog",
        "cat": "cat",
    },
    Language.ES: {
        "woman": "mujer",
        "man": "hombre",
        "boy": "niño",
        "girl": "niña",
        "dog": "perro",
        "cat": "gato",
    },
}

# A subject's row in the list: Twilio's list-picker requires each item's description.
SUBJECT_DESCRIPTIONS: dict[Language, dict[str, str]] = {
    Language.EN: {
        "woman": "An adult woman, alone in each photo",
        "man": "An adult man, alone in each photo",
        "boy": "A boy, alone in each photo",
        "girl": "A girl, alone in each photo",
        "dog": "Your dog, alone in each photo",
        "cat": "Your cat, alone in each photo",
    },
    Language.ES: {
        "woman": "Una mujer adulta, sola en cada foto",
        "man": "Un hombre adulto, solo en cada foto",
        "boy": "Un niño, solo en cada foto",
        "girl": "Una niña, sola en cada foto",
        "dog": "Tu perro, solo en cada foto",
        "cat": "Tu gato, solo en cada foto",
    },
}

# Words (normalised: lower case, no accents) that name each subject class.
SUBJECT_WORDS: dict[str, set[str]] = {
    "woman": {"woman", "women", "female", "lady", "mujer", "senora", "chica"},
    "man": {"man", "men", "male", "guy", "hombre", "senor", "chico"},
    "boy": {"boy", "son", "nino", "hijo"},
    "girl": {"girl", "daughter", "nina", "hija"},
    "dog": {"dog", "puppy", "perro", "perrito", "perra"},
    "cat": {"cat", "kitten", "gato", "gata", "gatito"},
}

MEDIA: dict[Language, dict[str, str]] = {
    Language.EN: {
        "video": "videos",
        "audio": "voice notes or audio",
        "sticker": "stickers",
        "document": "documents",
        "location": "locations",
        "contacts": "contacts",
        "image": "photos",
    },
    Language.ES: {
        "video": "vídeos",
        "audio": "notas de voz ni audios",
        "sticker": "stickers",
        "document": "documentos",
        "location": "ubicaciones",
        "contacts": "contactos",
        "image": "fotos",
    },
}

REJECTIONS: dict[Language, dict[str, str]] = {
    Language.EN: {
        "not_an_image": "it isn't a photo I can open.",
        "unsupported_format": "please send it as a normal photo (JPEG, PNG or HEIC).",
        "too_small": "it's too small — send one at least 512 px on its short side.",
        "too_large": "the file is too big.",
        "too_many_pixels": "the image is far too large in pixels.",
        "duplicate": "you've already sent this one.",
        "screenshot": "it looks like a screenshot — please send the photo itself.",
        "download_failed": "I couldn't download it.",
        "no_face": "I can't see a face — send one where your face is clear and facing the camera.",
        "several_people": "there are several people in it — send photos of just one person.",
        "face_too_small": "the face is too small — come closer, so it fills more of the photo.",
        "default": "it doesn't meet the requirements.",
    },
    Language.ES: {
        "not_an_image": "no es una foto que pueda abrir.",
        "unsupported_format": "envíala como foto normal (JPEG, PNG o HEIC).",
        "too_small": "es demasiado pequeña: envía una de al menos 512 px en su lado corto.",
        "too_large": "el archivo es demasiado grande.",
        "too_many_pixels": "la imagen tiene demasiados píxeles.",
        "duplicate": "ya me habías enviado esta.",
        "screenshot": "parece una captura de pantalla; envíame la foto original.",
        "download_failed": "no he podido descargarla.",
        "no_face": "no veo ninguna cara: envía una con la cara bien visible y mirando a la cámara.",
        "several_people": "salen varias personas: envía fotos de una sola persona.",
        "face_too_small": "la cara sale demasiado pequeña: acércate para que ocupe más de la foto.",
        "default": "no cumple los requisitos.",
    },
}


def render(language: Language, key: str, **values: object) -> str:
    text = CATALOGUES[language][key]
    if isinstance(text, Plural):
        text = text.form(language, values)
    return text.format(**values)


def subject_name(language: Language, subject: str) -> str:
    return SUBJECTS[language].get(subject, subject)


def subject_description(language: Language, subject: str) -> str:
    return SUBJECT_DESCRIPTIONS[language][subject]


def media_name(language: Language, kind: str) -> str:
    return MEDIA[language].get(kind, MEDIA[language]["document"])


def rejection(language: Language, reason: str | None) -> str:
    table = REJECTIONS[language]
    return table.get(reason or "default", table["default"])


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word if possible."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
