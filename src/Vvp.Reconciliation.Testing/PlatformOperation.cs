namespace Vvp.Reconciliation.Testing;

/// <summary>The operations of the platform port, for recording calls and injecting faults.</summary>
public enum PlatformOperation
{
    /// <summary>Read one deployment.</summary>
    GetDeployment,

    /// <summary>List a namespace's deployments.</summary>
    ListDeployments,

    /// <summary>Create a deployment (<c>POST</c>).</summary>
    CreateDeployment,

    /// <summary>Patch a deployment (<c>PATCH</c>).</summary>
    PatchDeployment,

    /// <summary>Replace a deployment (<c>PUT</c>).</summary>
    ReplaceDeployment,

    /// <summary>Delete a deployment.</summary>
    DeleteDeployment,

    /// <summary>List a deployment's savepoints.</summary>
    ListSavepoints,

    /// <summary>Create a savepoint resource.</summary>
    CreateSavepoint,
}
