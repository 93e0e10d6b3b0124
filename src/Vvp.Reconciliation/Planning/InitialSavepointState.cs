using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Planning;

/// <summary>The states of <c>status.customResourceStatus.initialSavepoint</c> (§11), and the one reading of them.</summary>
internal static class InitialSavepointState
{
    /// <summary>The registration is owed: the deployment was created with the intent marker and is not registered yet.</summary>
    public const string Pending = "Pending";

    /// <summary>The platform lists the savepoint for the deployment.</summary>
    public const string Registered = "Registered";

    /// <summary>The savepoint was not used; the reason names each unmet condition.</summary>
    public const string Skipped = "Skipped";

    /// <summary>The state a CR's status records, or <see langword="null"/>.</summary>
    public static string? Of(JsonObject? status) => JsonRead.String(status, "customResourceStatus", "initialSavepoint", "state");

    /// <summary>True when the status records a registration still owed.</summary>
    public static bool IsOwed(JsonObject? status) => Of(status) == Pending;

    /// <summary>True when nothing about the initial savepoint is left to do (none asked for, registered, or skipped).</summary>
    public static bool IsSettled(JsonObject? status) => Of(status) is null or Registered or Skipped;
}
