using System.Text;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Steps;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>What running any step of a build needs besides its own inputs: the build's plan and its context.</summary>
internal sealed record PreparedBuild(BuildPlan Plan, BuildContext Context)
{
    /// <summary>
    /// Plans the build again from what a step description names: the Dockerfile's blob, the base
    /// images' manifests (their configs feed the plan), build args and target. Planning is a pure
    /// function of these, so the plan is the one the coordinating silo made.
    /// </summary>
    /// <exception cref="Storage.Content.BlobNotFoundException">The Dockerfile's blob is not in the store.</exception>
    /// <exception cref="BaseImageNotFoundException">A base image's manifest or config is not in the store.</exception>
    public static async Task<PreparedBuild> FromInputsAsync(BuildInputs inputs, BuildEngine engine, CancellationToken cancellationToken)
    {
        string text;
        using (var reader = new StreamReader(engine.Content.OpenRead(inputs.Dockerfile), Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        var context = BuildContext.Reopen(inputs, text, engine);
        var images = new Dictionary<string, BaseImage>(StringComparer.Ordinal);
        foreach (var (reference, manifest) in inputs.BaseImages)
        {
            images[reference] = await StoredImages.ReadManifestAsync(engine.Content, reference, manifest, cancellationToken).ConfigureAwait(false);
        }

        var plan = BuildPlanner.Plan(context.Dockerfile, BuildEngine.PlanOptions(inputs.BuildArgs, inputs.Target, new KnownBaseImages(images)));
        return new PreparedBuild(plan, context);
    }

    /// <summary>The planned step a description names.</summary>
    /// <exception cref="ArgumentException">The plan has no such step: the description does not belong to this build.</exception>
    public PlannedStep Step(StepId id) =>
        Plan.Stages.FirstOrDefault(stage => stage.Index == id.Stage)?.Steps.FirstOrDefault(step => step.Id == id)
        ?? throw new ArgumentException($"The build's plan has no step {id}.", nameof(id));
}
