namespace Mindstack.Platform.Ai.Local.Lexicons;

/// <summary>
/// The project's own moderation term lists: per category, words and phrases with a weight in
/// (0, 1]. Words match after normalization (lower case, leetspeak undone, stretched letters
/// shortened); phrases match as word sequences. A trailing <c>*</c> matches any ending. Slurs are
/// deliberately not spelled out here: hate is recognised by its structure (a group named with
/// dehumanizing words, calls to harm or expel a group), which catches most of it without a list
/// that would itself be abusive.
/// </summary>
internal static class ModerationTerms
{
    public const string Harassment = "harassment";
    public const string Hate = "hate";
    public const string Sexual = "sexual";
    public const string Violence = "violence";
    public const string SelfHarm = "self-harm";
    public const string Spam = "spam";

    /// <summary>Insults: weighed fully when aimed at "you", half otherwise.</summary>
    public const string Insults = """
        idiot:0.55 idiots:0.55 stupid:0.4 moron:0.6 morons:0.6 imbecile:0.6 dumb:0.35 dumbass:0.65 loser:0.5 losers:0.5
        pathetic:0.45 worthless:0.55 useless:0.3 ugly:0.4 fat:0.25 disgusting:0.4 freak:0.45 creep:0.45 trash:0.4 scum:0.6
        garbage:0.35 clown:0.35 jerk:0.45 retard*:0.75 bitch:0.6 bitches:0.6 bastard:0.6 asshole:0.7 assholes:0.7 dickhead:0.7
        prick:0.6 cunt:0.85 whore:0.75 slut:0.75 twat:0.7 wanker:0.65 douche*:0.55 shithead:0.7 pig:0.3 rat:0.25 vermin:0.5
        ignorant:0.3 incompetent:0.3 brainless:0.5 braindead:0.5 lowlife:0.6 degenerate:0.55 hag:0.5 fuck*:0.3 shit:0.15
        """;

    public const string HarassmentPhrases = """
        shut up:0.45|shut the fuck up:0.8|fuck you:0.8|fuck off:0.75|screw you:0.6|go to hell:0.6|piss off:0.55
        nobody likes you:0.8|no one likes you:0.8|everyone hates you:0.8|you are worthless:0.85|you're worthless:0.85
        you are nothing:0.7|you're nothing:0.7|waste of space:0.75|waste of oxygen:0.8|get lost:0.4|drop dead:0.8
        you should be ashamed:0.45|i will find you:0.6|i know where you live:0.85|watch your back:0.7|you will regret:0.55
        kill yourself:0.9|kys:0.85|go die:0.85|hope you die:0.9|die in a fire:0.9
        """;

    public const string ViolenceWords = """
        kill:0.3 killing:0.3 murder:0.5 murdered:0.45 shoot:0.35 shooting:0.35 stab:0.55 stabbed:0.5 strangle:0.6
        behead:0.75 slaughter:0.55 massacre:0.55 bomb:0.4 bombing:0.4 explode:0.25 torture:0.6 assault:0.4 attack:0.2
        beat:0.15 punch:0.3 gun:0.2 guns:0.2 knife:0.2 rape:0.7 lynch:0.7 execute:0.3 burn:0.15 bloodbath:0.6 hostage:0.4
        terrorist:0.35 terror:0.3 genocide:0.6 maim:0.6 shot:0.2 strangled:0.55
        """;

    public const string ViolencePhrases = """
        i will kill:0.9|i'll kill:0.9|gonna kill:0.85|going to kill:0.85|i will hurt:0.85|i'll hurt:0.85|gonna hurt:0.8
        i will shoot:0.9|i'll shoot:0.9|i will stab:0.9|beat you up:0.8|beat the shit out of:0.85|break your neck:0.85
        break your legs:0.85|put a bullet:0.9|blow up:0.5|burn it down:0.6|burn down:0.5|shoot up:0.75|you're dead:0.75
        you are dead:0.75|you will die:0.75|deserve to die:0.8|should be shot:0.85|should be killed:0.85|kill them all:0.95
        bash your head:0.85|slit your throat:0.95|cut your throat:0.95
        """;

    public const string SelfHarmPhrases = """
        kill myself:0.95|killing myself:0.95|end my life:0.95|ending my life:0.95|take my own life:0.95|want to die:0.85
        wanna die:0.85|wish i was dead:0.9|wish i were dead:0.9|better off dead:0.85|no reason to live:0.9|cut myself:0.9
        cutting myself:0.9|hurt myself:0.8|hurting myself:0.8|harm myself:0.85|self harm:0.8|overdose:0.6
        suicidal:0.85|suicide:0.6|commit suicide:0.9|don't want to live:0.9|do not want to live:0.9|can't go on:0.6
        starve myself:0.8|not worth living:0.85|slit my wrists:0.95|jump off a bridge:0.8
        """;

    public const string SexualWords = """
        porn:0.7 porno:0.7 pornography:0.6 xxx:0.6 nude:0.5 nudes:0.65 naked:0.4 sex:0.35 sexy:0.35 sexual:0.3 horny:0.6
        blowjob:0.85 handjob:0.85 orgasm:0.6 erotic:0.5 nsfw:0.5 dick:0.45 cock:0.55 pussy:0.55 boobs:0.45 tits:0.55
        cum:0.7 masturbat*:0.7 milf:0.75 hentai:0.75 onlyfans:0.5 camgirl:0.6 escort:0.35 fetish:0.45 bdsm:0.55 anal:0.6
        """;

    public const string SexualPhrases = """
        send nudes:0.85|send me nudes:0.9|sex chat:0.8|hook up:0.35|hookup:0.35|get laid:0.6|sexy pics:0.75|naked pics:0.8
        hot singles:0.75|adult content:0.5
        """;

    public const string SpamPhrases = """
        buy now:0.4|click here:0.45|click the link:0.4|limited time:0.35|limited offer:0.4|act now:0.4|order now:0.35
        free money:0.6|make money fast:0.7|make money online:0.55|earn money:0.35|work from home:0.35|get rich:0.55
        risk free:0.35|risk-free:0.35|no credit check:0.6|guaranteed income:0.6|double your:0.55
        crypto giveaway:0.75|free crypto:0.65|free bitcoin:0.7|send btc:0.6|airdrop:0.35|dm me:0.3|dm for:0.35
        check out my profile:0.45|visit my profile:0.45|check my bio:0.45|link in bio:0.4|follow me:0.2|subscribe to my:0.35
        promo code:0.35|discount code:0.3|use code:0.3|exclusive deal:0.4|special promotion:0.4|winner:0.2|you have won:0.65
        you've won:0.65|claim your prize:0.7|claim your reward:0.65|congratulations you:0.5|whatsapp me:0.45|telegram me:0.45
        cheap pills:0.7|viagra:0.6|casino:0.35|betting tips:0.5|forex signals:0.55|investment opportunity:0.4|passive income:0.4
        best price:0.3|lowest price:0.3|once in a lifetime:0.35|don't miss out:0.35|sign up now:0.35|join now:0.3
        """;

    /// <summary>Groups hate is aimed at (lower case, with plurals); a match needs a hostile frame around them.</summary>
    public const string Groups = """
        immigrants migrants refugees foreigners muslims muslim jews jewish christians christian hindus hindu sikhs buddhists
        atheists blacks whites asians africans arabs mexicans latinos hispanics chinese indians gypsies roma gays gay lesbians
        lesbian homosexuals trans transgender transgenders queers women woman girls feminists men disabled autistic
        natives aboriginals catholics protestants mormons
        """;

    /// <summary>Dehumanizing or hostile words that, said of a group, make hate.</summary>
    public const string Dehumanizing = """
        animals animal vermin parasites parasite subhuman subhumans savages savage cockroaches rats pigs dogs apes monkeys
        disease plague cancer filth scum trash garbage inferior invaders criminals rapists terrorists disgusting evil
        """;

    /// <summary>Calls to harm or expel ("… should die"), said of a group.</summary>
    public const string HostileCalls = """
        should die|must die|need to die|deserve to die|should be killed|should be exterminated|should be deported
        should be banned|must be eliminated|should be gassed|should be shot|go back to|get out of our country|don't belong
        do not belong|are ruining|are destroying|are taking over|are not human|aren't human|exterminate|wipe out|eradicate
        """;
}
