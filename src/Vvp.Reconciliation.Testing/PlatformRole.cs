namespace Vvp.Reconciliation.Testing;

/// <summary>The role an API token has in its namespace.</summary>
public enum PlatformRole
{
    /// <summary>Reads only: writes get 403.</summary>
    Viewer,

    /// <summary>Reads and writes.</summary>
    Editor,

    /// <summary>Reads and writes.</summary>
    Owner,
}
