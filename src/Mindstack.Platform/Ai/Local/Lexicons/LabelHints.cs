namespace Mindstack.Platform.Ai.Local.Lexicons;

/// <summary>
/// Words that signal well-known labels, so <c>Classify</c> works with bare label names: the planner's
/// intents, support-ticket topics, content topics, sentiment-like labels. A label's own name and
/// description always count too; these only add evidence.
/// </summary>
internal static class LabelHints
{
    private const string Source = """
        research: research investigate find look explore compare study learn discover source sources literature search survey review options alternatives competitor competitors benchmark what who which why
        write: write draft compose blog article post essay copy newsletter email letter report document documentation proposal announcement caption story outline edit rewrite
        schedule: schedule book arrange meeting meetings call calendar invite appointment reschedule slot availability remind reminder event sync standup tomorrow monday tuesday wednesday thursday friday
        summarize: summarize summarise summary recap digest condense tldr brief overview highlights notes minutes gist shorten key points
        plan: plan planning organize organise roadmap prepare strategy launch trip itinerary milestones timeline project steps goals checklist agenda budget offsite event party conference wedding vacation holiday move relocation workshop retreat
        code: code coding implement build develop fix bug debug script api deploy refactor function program programming software repository repo test tests python javascript typescript endpoint database feature
        analyze: analyze analyse analysis evaluate assess metrics data trends measure audit statistics dashboard performance compare kpi kpis numbers report insights churn revenue growth conversion
        billing: billing bill invoice invoices charge charged charges payment payments refund refunds price pricing subscription plan card credit paid pay receipt overcharged fee fees
        technical: error bug crash crashes broken fails failed failure not working issue login password install update outage slow timeout api server app
        account: account login log sign signin password reset email username profile locked verify verification two-factor 2fa
        shipping: shipping delivery deliver delivered package parcel tracking order arrived late courier shipment shipped
        refund: refund money back return returned reimburse reimbursement chargeback cancel
        cancellation: cancel cancellation unsubscribe terminate close account end subscription
        sales: buy purchase pricing quote demo trial upgrade enterprise plan discount license sales
        complaint: complaint complain unhappy disappointed terrible awful worst unacceptable angry frustrated
        praise: thanks thank great love excellent amazing awesome appreciate happy fantastic
        question: how what why when where which can could would question wondering help
        urgent: urgent asap immediately emergency critical now quickly deadline blocker outage down
        spam: buy cheap free offer click winner prize promo discount crypto giveaway subscribe
        sports: match game team player players score scored goal goals league season coach championship tournament football soccer basketball tennis olympics win won
        politics: government election elections vote votes voters president minister parliament senate congress policy party campaign law bill democrats republicans
        business: company companies market markets revenue profit earnings shares stock investors ceo startup acquisition merger quarter sales growth economy
        finance: bank banks interest rates inflation stock stocks bonds market investment investors fund loan loans credit economy dollar euro
        technology: technology tech software hardware ai artificial intelligence app apps device devices chip chips internet cloud data startup smartphone computer
        health: health medical doctor doctors hospital patients disease vaccine treatment symptoms medicine virus care mental clinical
        science: science scientists research study researchers experiment discovery physics biology chemistry space nasa climate species
        entertainment: movie movies film films music song album artist actor actress show series tv netflix concert celebrity game games
        travel: travel trip flight flights hotel hotels vacation holiday tourism airport booking destination itinerary passport
        food: food recipe recipes restaurant meal cooking cook dish dinner lunch breakfast taste delicious chef
        education: school schools students student teacher teachers university course courses learning education exam class
        weather: weather rain snow storm temperature forecast wind sunny hot cold heat climate
        crypto: crypto cryptocurrency bitcoin btc ethereum eth blockchain token tokens wallet defi nft coin coins mining exchange altcoin
        seo: seo keywords keyword ranking rankings search google traffic backlinks meta title description serp organic content optimization
        marketing: marketing campaign campaigns brand audience ads advertising social engagement conversion leads funnel promotion
        security: security breach hack hacked hacker vulnerability password phishing malware attack encryption privacy leak
        legal: legal law lawyer contract contracts court lawsuit terms compliance gdpr regulation liability
        hr: hiring hire job jobs candidate candidates interview salary employee employees onboarding recruiting resume
        document: document documents pdf file contract report paper text page pages
        chat: chat conversation talk message messages reply question answer hello hi
        positive: good great excellent love happy amazing wonderful best fantastic
        negative: bad terrible awful hate worst poor horrible disappointed broken
        neutral: okay fine average normal standard typical
        """;

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Hints { get; } = Parse();

    private static Dictionary<string, IReadOnlyList<string>> Parse()
    {
        var hints = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Source.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':');
            hints[line[..colon]] = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        return hints;
    }
}
