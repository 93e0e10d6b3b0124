using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>The codes of a plan's warnings (<see cref="ResourceMessage.Code"/>), which are also the event reasons a reconciler reports.</summary>
public static class PlanWarnings
{
    /// <summary>Invalid <c>userMetadata</c> keys or system annotations were erased; the plan carries a spec update.</summary>
    public const string KeysErased = "KeysErased";

    /// <summary>The initial savepoint is not used; the message names each unmet condition.</summary>
    public const string InitialSavepointSkipped = "InitialSavepointSkipped";

    /// <summary>The CR now points at another deployment than the one its status records.</summary>
    public const string TargetChanged = "TargetChanged";
}
