namespace Vvp.Reconciliation.Configuration;

/// <summary>Turns the problems a settings check found into one exception that lists them all. Compiled into each package that checks settings.</summary>
internal static class SettingsProblems
{
    /// <summary>Throws when there is any problem.</summary>
    /// <param name="problems">The problems, one line each.</param>
    /// <exception cref="ArgumentException">Listing every problem, separated by <c>; </c>.</exception>
    public static void ThrowIfAny(IEnumerable<string> problems)
    {
        var all = problems.ToList();
        if (all.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", all));
        }
    }
}
