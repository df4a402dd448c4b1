"""Small stopword lists: the commonest function words of the languages the cleaner meets.

Prose is dense in function words, menus and teasers are not; that contrast (as in jusText)
is one of the line model's strongest cues. The lists are short on purpose: the very
commonest words carry the signal, and a short list is easy to review.
"""

from __future__ import annotations

_RAW = {
    "en": """a about after all also an and any are as at be because been before but by can could
        did do does for from had has have he her here him his how i if in into is it its just
        more most my no not of on one only or other our out over said she so some such than
        that the their them then there these they this those through to up was we were what
        when where which while who will with would you your""",
    "de": """aber alle als also am an auch auf aus bei bis bin da damit dann das dass dem den
        denn der des die dies diese dieser doch dort du durch ein eine einem einen einer es
        für gegen hat hatte hier ich ihm ihn ihr ihre im in ist ja jetzt kann kein keine mit
        nach nicht noch nun nur ob oder schon sehr sein seine sich sie sind so über um und
        uns unter vom von vor war waren was weil wenn werden wie wieder wir wird wurde
        zu zum zur zwischen""",
    "fr": """à au aux avec avait ce cela ces cet cette comme dans de des du elle elles en est
        et été être il ils je la le les leur leurs lui mais même ne ni nous on ont ou où par
        pas plus pour qu que qui sa sans se ses si son sont sur ta te tout tous très un une
        vous y était sera aussi après avant entre depuis""",
    "es": """a al algo ante como con cuando de del desde donde el ella ellos en entre era es
        esta este esto está están fue ha han hasta hay la las le les lo los más me mi muy
        no nos o para pero por que qué se ser si sin sobre son su sus también te tiene todo
        un una uno y ya sido según cada porque""",
    "it": """a ai al alla alle anche che chi ci come con da dal dalla dei del della delle di
        e è ed gli ha hanno i il in io la le lei lo loro lui ma mi nei nel nella non per più
        questo questa quella quello se si sono su sua suo sul sulla tra un una uno anche
        essere stato già dopo""",
    "nl": """aan al als bij dan dat de der die dit door een en er geen had heb hebben heeft
        het hier hij hoe hun ik in is je kan maar me meer met mij na naar niet nog nu of om
        ons ook op over te tot uit van veel voor was wat we werd wie wij wordt zal ze zich
        zij zijn zo""",
    "pt": """a ao aos as até com como da das de do dos e é ela ele eles em entre era essa
        esse esta este foi há isso já lhe mais mas me mesmo muito na nas não no nos o os ou
        para pela pelo por qual que se sem ser seu sua são também tem um uma você foram
        está estão sobre""",
    "pl": """a aby ale bo być był była było by co czy dla do go i ich im jak jako jednak
        jej jest jego już lub ma może na nad nie o od oraz po pod przez przy się są ta tak
        także te tego tej to tu w we więc z za że ze które który która jeszcze""",
    "ru": (
        "а без был была были было быть в вы да для до его ее если есть еще же за и из "
        "или им их к как когда ли мы на над не нет но о об он она они от по под при с со так "
        "также то только уже что чтобы это этот я"
    ),
}

STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in _RAW.items()}


def best_stoplist(words: list[str], lang: str | None = None) -> frozenset[str]:
    """The stoplist for ``lang``; when unknown, the one that matches the most of ``words``.

    ``words`` are lowercased tokens of the whole document: choosing the list per document
    keeps the choice stable across its lines. No list matches a language without one
    (Japanese, say): the empty set is returned and the stopword features stay at zero.
    """
    if lang:
        base = lang.split("-")[0].lower()
        if base in STOPWORDS:
            return STOPWORDS[base]
    best: frozenset[str] = frozenset()
    best_hits = 0
    for stoplist in STOPWORDS.values():
        hits = sum(1 for word in words if word in stoplist)
        if hits > best_hits:
            best, best_hits = stoplist, hits
    return best
