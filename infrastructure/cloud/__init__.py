"""The cloud template, in parts (``python -m infrastructure.template`` builds it).

- :mod:`~infrastructure.cloud.base`: chalice's logical ids, intrinsic functions, names, stages;
- :mod:`~infrastructure.cloud.storage`: tables, vault, media and files buckets;
- :mod:`~infrastructure.cloud.site`: the site bucket and the CloudFront distribution;
- :mod:`~infrastructure.cloud.identity`: the Cognito user pool and the signup WAF rules;
- :mod:`~infrastructure.cloud.statemachines`: one Step Functions state machine per ASL file;
- :mod:`~infrastructure.cloud.iam`: the actions and policy helpers the functions' policies use;
- :mod:`~infrastructure.cloud.api`: the API function (policy, environment, layer, REST API);
- :mod:`~infrastructure.cloud.sealing`: the sealer, its retry, the anchoring and closings jobs;
- :mod:`~infrastructure.cloud.workers`: the jobs' task, 2093 drafts, transfers, thumbnails;
- :mod:`~infrastructure.cloud.alarms`: the operations topic, alarms, dead-letter queues;
- :mod:`~infrastructure.cloud.merge`: the merge template, assembled from the parts above;
- :mod:`~infrastructure.cloud.build`: ``chalice package``, the offline SAM transform, cfn-lint.
"""
