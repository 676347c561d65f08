using System.Globalization;

namespace Mindstack.Mindra.Wallet;

/// <summary>Where an account's USD wallet lives on the platform ledger.</summary>
internal static class WalletAccount
{
    /// <summary>The ledger currency: whole US cents.</summary>
    public const string LedgerCurrency = "usd_cents";

    public const string Currency = "USD";

    /// <summary>Sandbox keys see a wallet of their own, so test top-ups never touch real balances.</summary>
    public static string Owner(string accountId, bool sandbox) => sandbox ? accountId + ":sandbox" : accountId;

    /// <summary>Cents as the document's USD amounts (a JSON number with at most two decimals).</summary>
    public static decimal Dollars(long cents) => decimal.Round(cents / 100m, 2);

    /// <summary>A dollar amount with at most two decimals as cents; null when it has more.</summary>
    public static long? Cents(decimal dollars) =>
        decimal.Round(dollars, 2) == dollars ? (long)(dollars * 100) : null;

    public static string Describe(long cents) => "$" + Dollars(cents).ToString("0.00", CultureInfo.InvariantCulture);
}
