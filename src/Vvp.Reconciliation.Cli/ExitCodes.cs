namespace Vvp.Reconciliation.Cli;

/// <summary>The exit codes of <c>vvp-reconcile</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did its work (a plan was computed, whatever its action; every file is valid).</summary>
    public const int Success = 0;

    /// <summary>A CR is invalid or cannot be read as YAML or JSON.</summary>
    public const int Invalid = 1;

    /// <summary>The command line is wrong, or a file cannot be opened.</summary>
    public const int Usage = 2;
}
