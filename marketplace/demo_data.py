"""Demo data for `manage.py seed_demo`: quarters of Douala and Yaoundé, trades, providers, a few requests.

Plain data only; marketplace.demo loads it. Keywords feed the rules intake parser, so they list the
words clients really write (French, English, common misspellings); accents are folded by the parser.
"""

# (city, name, aliases, neighbours by name within the same city)
ZONES: list[tuple[str, str, str, list[str]]] = [
    # Douala
    ("douala", "Akwa", "Akwa Nord, Akwa-Nord", ["Bonanjo", "Bali", "Deido", "New Bell"]),
    ("douala", "Bonanjo", "Bonandjo, Bonanjô", ["Akwa", "Bonapriso", "Bali"]),
    ("douala", "Bonapriso", "Bonaprisso, Bonaprizo", ["Bonanjo", "Bali", "New Bell"]),
    ("douala", "Bali", "Bali Douala", ["Akwa", "Bonanjo", "Bonapriso", "New Bell"]),
    ("douala", "Deido", "Déido, Deïdo, Bonateki", ["Akwa", "Bepanda", "Bonaberi", "New Bell"]),
    ("douala", "New Bell", "New-Bell, Newbell, Nouvelle Bell", ["Akwa", "Bali", "Bonapriso", "Deido", "Ndokoti"]),
    ("douala", "Bonaberi", "Bonabéri, Bonaberie, Bonassama, Rive droite", ["Deido"]),
    ("douala", "Bepanda", "Bépanda, Bepanda Omnisport", ["Deido", "Makepe", "Ndokoti", "Cité des Palmiers"]),
    ("douala", "Makepe", "Makèpè, Makepè, Makepe Missoke", ["Bonamoussadi", "Bepanda", "Kotto", "Logpom"]),
    ("douala", "Bonamoussadi", "Bonamousadi, Bonamoussady, Bonamusadi", ["Makepe", "Kotto", "Logpom"]),
    ("douala", "Kotto", "Kotto Bloc, Cité Kotto", ["Bonamoussadi", "Makepe", "Logpom"]),
    ("douala", "Logpom", "Logpom Bassong", ["Kotto", "Bonamoussadi", "Makepe", "Cité des Palmiers"]),
    ("douala", "Ndokoti", "Carrefour Ndokoti, Ndokotti", ["New Bell", "Bepanda", "Cité des Palmiers", "Logbaba"]),
    ("douala", "Cité des Palmiers", "Cite des palmiers, Palmiers", ["Bepanda", "Ndokoti", "Logbaba", "Logpom"]),
    ("douala", "Logbaba", "Log Baba, Logbaba Lycée", ["Ndokoti", "Cité des Palmiers", "Village"]),
    ("douala", "Village", "Carrefour Village, Village Douala", ["Logbaba", "PK8", "Ndokoti"]),
    ("douala", "PK8", "PK 8, Pk8, PK-8, Point kilométrique 8", ["Village", "Logbaba", "Yassa"]),
    ("douala", "Yassa", "Yassa Douala", ["PK8"]),
    # Yaoundé
    ("yaounde", "Bastos", "Quartier Bastos, Bastos Yaoundé", ["Nlongkak", "Etoa-Meki", "Emana", "Tsinga"]),
    ("yaounde", "Nlongkak", "Nlong Kak, Nlonkak", ["Bastos", "Etoa-Meki", "Tsinga"]),
    ("yaounde", "Etoa-Meki", "Etoa Meki, Etoameki", ["Bastos", "Nlongkak", "Essos"]),
    ("yaounde", "Essos", "Essos Yaoundé", ["Etoa-Meki", "Mvog-Ada"]),
    ("yaounde", "Mvog-Ada", "Mvog Ada, Mvogada", ["Essos", "Mvog-Mbi", "Ekounou"]),
    ("yaounde", "Mvog-Mbi", "Mvog Mbi, Mvogmbi, Mvog-Bi", ["Mvog-Ada", "Mvan", "Ekounou"]),
    ("yaounde", "Mvan", "Mvan Yaoundé, Carrefour Mvan", ["Mvog-Mbi", "Ekounou"]),
    ("yaounde", "Ekounou", "Ekoumou, Ekounou Yaoundé", ["Mvog-Mbi", "Mvog-Ada", "Mvan"]),
    ("yaounde", "Emana", "Emana Yaoundé", ["Bastos", "Etoudi"]),
    ("yaounde", "Etoudi", "Etoudi Yaoundé", ["Emana"]),
    ("yaounde", "Tsinga", "Tsinga Yaoundé", ["Bastos", "Nlongkak", "Mokolo"]),
    ("yaounde", "Mokolo", "Marché Mokolo", ["Tsinga", "Melen"]),
    ("yaounde", "Melen", "Mélen, Melen Yaoundé", ["Mokolo", "Obili", "Ngoa-Ekelle", "Etoug-Ebe"]),
    ("yaounde", "Ngoa-Ekelle", "Ngoa Ekelle, Ngoa-Ekellé, Ngoa Ekele", ["Melen", "Obili"]),
    ("yaounde", "Obili", "Obili Yaoundé", ["Melen", "Ngoa-Ekelle", "Etoug-Ebe"]),
    ("yaounde", "Etoug-Ebe", "Etoug Ebe, Etougebe", ["Melen", "Obili", "Biyem-Assi"]),
    ("yaounde", "Biyem-Assi", "Biyem Assi, Biyemassi, Biyem-Asi", ["Etoug-Ebe", "Mendong"]),
    ("yaounde", "Mendong", "Mendong Yaoundé", ["Biyem-Assi"]),
]

# slug: (French name, English name, keywords)
CATEGORIES: dict[str, tuple[str, str, list[str]]] = {
    "plomberie": ("Plomberie", "Plumbing", [
        "plomberie", "plombier", "plombié", "fuite", "fuite d'eau", "fuit", "ça fuit", "robinet", "robinetterie",
        "tuyau", "tuyaux", "canalisation", "wc", "toilette", "toilettes", "chasse d'eau", "lavabo", "évier",
        "douche", "baignoire", "chauffe-eau", "ballon d'eau", "eau", "bouché", "bouchée", "débouchage",
        "compteur d'eau", "inondation", "plumber", "plumbing", "leak", "leaking", "pipe", "pipes", "tap",
        "faucet", "toilet", "sink", "shower", "water", "blocked drain", "water heater",
    ]),
    "electricite": ("Électricité", "Electrical work", [
        "électricité", "electricite", "électricien", "electricien", "electricient", "courant", "plus de courant",
        "pas de courant", "coupure", "prise", "prises", "disjoncteur", "disjoncte", "fusible", "court-circuit",
        "lumière", "lampe", "ampoule", "interrupteur", "câble", "fil électrique", "compteur", "tableau électrique",
        "eneo", "étincelle", "electrician", "electrical", "electricity", "power", "no power", "power cut",
        "socket", "outlet", "breaker", "fuse", "light", "bulb", "switch", "wiring", "short circuit",
    ]),
    "electromenager": ("Réparation électroménager", "Appliance repair", [
        "électroménager", "electromenager", "machine à laver", "machine a laver", "lave-linge", "lave-vaisselle",
        "frigo", "frigidaire", "réfrigérateur", "refrigerateur", "congélateur", "congelateur", "cuisinière",
        "four électrique", "four à gaz", "micro-ondes", "micro onde", "gazinière", "plaque", "télé", "télévision",
        "ventilateur",
        "fer à repasser", "ne refroidit plus", "appliance", "washing machine", "washer", "dishwasher", "fridge",
        "refrigerator", "freezer", "cooker", "oven", "microwave", "stove", "tv", "fan",
    ]),
    "climatisation": ("Climatisation", "Air conditioning", [
        "climatisation", "clim", "climatiseur", "climatiseurs", "split", "climatiseur split", "froid",
        "ne refroidit pas", "recharge gaz", "gaz clim", "frigoriste", "ventilation", "air conditionné",
        "air conditioner", "air conditioning", "air con", "aircon", "ac", "a/c", "cooling", "hvac",
    ]),
    "menuiserie": ("Menuiserie", "Carpentry", [
        "menuiserie", "menuisier", "menusier", "porte", "portes", "placard", "armoire", "bois", "meuble",
        "meubles", "table", "chaise", "lit", "étagère", "fenêtre", "fenetre", "volet", "charnière", "tiroir",
        "parquet", "plafond", "contreplaqué", "carpenter", "carpentry", "joiner", "wood", "door", "cupboard",
        "wardrobe", "furniture", "shelf", "window", "hinge", "drawer",
    ]),
    "serrurerie": ("Serrurerie", "Locksmith", [
        "serrurerie", "serrurier", "serurier", "serrure", "serrures", "clé", "clef", "cle", "clés perdues",
        "verrou", "cadenas", "porte bloquée", "porte claquée", "enfermé dehors", "cylindre", "barillet",
        "coffre-fort", "portail", "locksmith", "lock", "locked out", "key", "keys", "lost keys", "padlock",
        "bolt", "deadbolt",
    ]),
    "peinture": ("Peinture", "Painting", [
        "peinture", "peintre", "peindre", "repeindre", "mur", "murs", "façade", "enduit", "crépissage",
        "vernis", "tapisserie", "papier peint", "painter", "painting", "paint", "repaint", "wall", "walls",
        "wallpaper", "varnish",
    ]),
    "maconnerie": ("Maçonnerie", "Masonry", [
        "maçonnerie", "maconnerie", "maçon", "macon", "mur fissuré", "fissure", "ciment", "béton", "beton",
        "brique", "parpaing", "carrelage", "carreau", "dalle", "crépi", "clôture", "fosse septique",
        "mason", "masonry", "bricklayer", "crack", "cement", "concrete", "brick", "tiles", "tiling", "fence",
    ]),
}

# (name, phone, category slugs, city, zone names in that city, language, is_available, on_emergency_list,
#  rating, jobs completed)
PROVIDERS: list[tuple[str, str, list[str], str, list[str], str, bool, bool, str, int]] = [
    # Douala
    ("Jean-Pierre Mbarga", "677 50 11 01", ["plomberie"], "douala", ["Bonamoussadi", "Makepe", "Kotto"],
     "fr", True, True, "4.80", 132),
    ("Serge Tchoupo", "699 50 22 02", ["plomberie"], "douala", ["Akwa", "Bonanjo", "Deido"], "fr", True, False,
     "4.40", 58),
    ("Aristide Fotso", "655 50 33 03", ["plomberie", "maconnerie"], "douala", ["Ndokoti", "Logbaba", "Village"],
     "fr", False, False, "4.10", 41),
    ("Hervé Kamga", "678 50 44 04", ["electricite"], "douala", ["Bonamoussadi", "Logpom", "Kotto"], "fr", True,
     True, "4.70", 97),
    ("Rodrigue Ndjock", "690 50 55 05", ["electricite"], "douala", ["Akwa", "Bali", "New Bell", "Bonapriso"],
     "fr", True, False, "4.20", 64),
    ("Christian Ngando", "656 50 66 06", ["electricite", "climatisation"], "douala", ["Bepanda", "Cité des Palmiers"],
     "en", True, False, "3.90", 23),
    ("Marcel Ebongue", "679 50 77 07", ["electromenager"], "douala", ["Makepe", "Bepanda", "Deido"], "fr", True,
     False, "4.50", 76),
    ("Samuel Din", "691 50 88 08", ["electromenager", "climatisation"], "douala", ["Akwa", "Bonanjo", "Bonapriso"],
     "en", True, True, "4.60", 88),
    ("Yves Kemajou", "657 50 99 09", ["climatisation"], "douala", ["Bonapriso", "Bonanjo", "Bali"], "fr", True,
     False, "4.30", 51),
    ("Landry Tchatchoua", "680 51 10 10", ["climatisation"], "douala", ["Bonamoussadi", "Kotto", "Makepe"], "fr",
     False, False, "3.80", 19),
    ("Joseph Ekambi", "692 51 21 11", ["menuiserie"], "douala", ["Bonaberi", "Deido"], "fr", True, False,
     "4.40", 45),
    ("Fabrice Manga", "658 51 32 12", ["menuiserie", "peinture"], "douala", ["Logbaba", "Village", "PK8", "Yassa"],
     "fr", True, False, "4.00", 37),
    ("Patrick Ateba", "681 51 43 13", ["serrurerie"], "douala", ["Akwa", "Bonanjo", "New Bell", "Bali"], "fr", True,
     True, "4.90", 150),
    ("Boris Tagne", "693 51 54 14", ["serrurerie"], "douala", ["PK8", "Village", "Logbaba"], "fr", False, False,
     "4.20", 29),
    ("Sandrine Ngo Bassa", "659 51 65 15", ["peinture"], "douala", ["Bonapriso", "Bali", "Akwa"], "fr", True,
     False, "4.70", 66),
    ("Armel Simo", "682 51 76 16", ["maconnerie"], "douala", ["Bonaberi", "Deido", "Bepanda"], "fr", True, True,
     "4.10", 53),
    ("Ibrahim Moussa", "694 51 87 17", ["plomberie", "electricite"], "douala", ["PK8", "Yassa", "Village"], "fr",
     True, False, "3.70", 12),
    ("Eric Wandji", "650 51 98 18", ["electromenager"], "douala", ["Ndokoti", "Cité des Palmiers", "Logpom"],
     "fr", True, False, "4.00", 31),
    # Yaoundé
    ("Alain Essomba", "677 52 01 19", ["plomberie"], "yaounde", ["Bastos", "Nlongkak", "Etoa-Meki"], "fr", True,
     True, "4.60", 104),
    ("Guy Owona", "699 52 12 20", ["plomberie", "maconnerie"], "yaounde", ["Biyem-Assi", "Mendong", "Etoug-Ebe"],
     "fr", True, False, "4.20", 47),
    ("Martin Essama", "655 52 23 21", ["electricite"], "yaounde", ["Mvog-Mbi", "Mvog-Ada", "Ekounou", "Mvan"], "fr",
     True, True, "4.50", 81),
    ("Brice Mvondo", "678 52 34 22", ["electricite"], "yaounde", ["Melen", "Obili", "Ngoa-Ekelle"], "en", False,
     False, "3.90", 22),
    ("Honoré Bilong", "690 52 45 23", ["electromenager"], "yaounde", ["Essos", "Mvog-Ada", "Etoa-Meki"], "fr", True,
     False, "4.30", 59),
    ("Vincent Kuate", "656 52 56 24", ["electromenager", "climatisation"], "yaounde", ["Bastos", "Emana", "Etoudi"],
     "en", True, True, "4.80", 112),
    ("Pascal Nana", "679 52 67 25", ["climatisation"], "yaounde", ["Biyem-Assi", "Melen", "Obili"], "fr", True,
     False, "4.10", 34),
    ("Thierry Nganou", "691 52 78 26", ["menuiserie"], "yaounde", ["Mokolo", "Tsinga", "Melen"], "fr", True, True,
     "4.40", 70),
    ("Cyrille Biyong", "657 52 89 27", ["menuiserie"], "yaounde", ["Mvan", "Mvog-Mbi", "Ekounou"], "fr", False,
     False, "3.60", 15),
    ("Raoul Dikongue", "680 52 90 28", ["serrurerie"], "yaounde", ["Bastos", "Nlongkak", "Tsinga", "Emana"], "fr",
     True, True, "4.70", 91),
    ("Désiré Nkoulou", "692 53 01 29", ["serrurerie", "menuiserie"], "yaounde",
     ["Biyem-Assi", "Etoug-Ebe", "Mendong"], "fr", True, False, "4.00", 26),
    ("Mireille Ebode", "658 53 12 30", ["peinture"], "yaounde", ["Essos", "Mvog-Ada", "Nlongkak"], "fr", True, False,
     "4.50", 44),
    ("Rostand Nguimfack", "681 53 23 31", ["peinture", "maconnerie"], "yaounde", ["Mvan", "Ekounou", "Mvog-Mbi"],
     "fr", True, False, "4.20", 38),
    ("Gaston Abega", "693 53 34 32", ["maconnerie"], "yaounde", ["Emana", "Etoudi", "Bastos"], "fr", True, True,
     "4.30", 62),
    ("Aboubakar Oumarou", "659 53 45 33", ["climatisation", "electricite"], "yaounde", ["Essos", "Etoa-Meki"], "fr",
     True, False, "4.00", 28),
]

# (phone, name, language)
CLIENTS: list[tuple[str, str, str]] = [
    ("696 60 01 01", "Aïcha Bello", "fr"),
    ("675 60 02 02", "Paul Nkeng", "fr"),
    ("697 60 03 03", "Grace Ayuk", "en"),
    ("674 60 04 04", "Nadège Mballa", "fr"),
    ("698 60 05 05", "Kevin Fru", "en"),
]

# Each request: client phone, category slug, city, zone name (or None), description, urgency, then its
# history: a list of (provider phone, final offer status) and the status path walked through the state
# machine. The description is the natural key: seeding twice never duplicates a request.
REQUESTS: list[dict] = [
    {
        "client": "696 60 01 01", "category": "plomberie", "city": "douala", "zone": "Bonamoussadi",
        "description": "Fuite d'eau sous l'évier de la cuisine, ça coule partout.", "urgency": "urgent",
        "match_level": "exact", "offers": [("677 50 11 01", "accepted")],
        "path": ["searching", "offered", "assigned", "in_progress", "completed"],
    },
    {
        "client": "675 60 02 02", "category": "electricite", "city": "douala", "zone": "Makepe",
        "description": "Plus de courant dans le salon, le disjoncteur saute tout le temps.", "urgency": "normal",
        "match_level": "broad", "offers": [("690 50 55 05", "declined"), ("678 50 44 04", "accepted")],
        "path": ["searching", "offered", "searching", "offered", "assigned"],
    },
    {
        "client": "697 60 03 03", "category": "electromenager", "city": "yaounde", "zone": "Bastos",
        "description": "My fridge stopped cooling since yesterday.", "urgency": "normal",
        "match_level": "exact", "offers": [("656 52 56 24", "pending")],
        "path": ["searching", "offered"],
    },
    {
        "client": "674 60 04 04", "category": "serrurerie", "city": "douala", "zone": "PK8",
        "description": "Porte d'entrée bloquée, la serrure est cassée, je suis dehors.", "urgency": "urgent",
        "match_level": "escalated", "offers": [("681 51 43 13", "expired")],
        "path": ["searching", "offered", "escalated"],
    },
    {
        "client": "698 60 05 05", "category": "climatisation", "city": "douala", "zone": "Bonapriso",
        "description": "The AC in the bedroom makes a loud noise.", "urgency": "normal",
        "match_level": "", "offers": [],
        "path": ["searching", "cancelled"],
    },
    {
        "client": "696 60 01 01", "category": "peinture", "city": "yaounde", "zone": None,
        "description": "Je veux repeindre ma chambre.", "urgency": "normal",
        "match_level": "", "offers": [],
        "path": [],
    },
    {
        "client": "675 60 02 02", "category": "menuiserie", "city": "yaounde", "zone": "Mvog-Mbi",
        "description": "Armoire à réparer, la porte est tombée.", "urgency": "normal",
        "match_level": "", "offers": [],
        "path": ["searching"],
    },
]
